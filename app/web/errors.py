"""Error pages that say what happened and what to do next, in Dutch."""
from __future__ import annotations

import math
import time

from flask import Flask, render_template
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError

from app.extensions import limiter

ERRORS = {
    400: ("Dit verzoek klopt niet", "Ga terug en probeer het opnieuw."),
    403: ("U mag deze pagina niet bekijken", "Log in met een ander account of ga terug."),
    404: ("Pagina niet gevonden", "Controleer het adres, of zoek wat u nodig hebt."),
    405: ("Dit kan niet op deze pagina", "Ga terug en probeer het opnieuw."),
    413: ("Uw bericht is te groot",
          "Wat u stuurde is groter dan wij aannemen. Maak de tekst korter en probeer het"
          " opnieuw."),
    429: ("Te veel pogingen", "Wacht een paar minuten en probeer het dan opnieuw."),
    500: ("Er ging iets mis bij ons", "Probeer het over een paar minuten opnieuw."),
}
CSRF_EXPIRED = ("Het formulier is verlopen",
                "Uit veiligheid kon dit formulier niet worden verwerkt. Ga terug, laad de"
                " pagina opnieuw en verstuur het nog een keer.")


def _page(status: int, title: str, advice: str):
    return render_template("error.html", status=status, title=title, advice=advice), status


def _too_many_attempts(error: RateLimitExceeded):
    """Says how long to wait: until the limit's window ends, not a fixed time."""
    limit = limiter.current_limit
    # reset_at is rounded up to a whole second; without that second 15 minutes read as 16.
    seconds = limit.reset_at - 1 - time.time() if limit is not None else 60
    minutes = max(1, math.ceil(seconds / 60))
    wait = "1 minuut" if minutes == 1 else f"{minutes} minuten"
    return _page(429, ERRORS[429][0],
                 f"U hebt het te vaak achter elkaar geprobeerd. Wacht {wait} en probeer het"
                 " dan opnieuw.")


def register_error_pages(app: Flask) -> None:
    for status, (title, advice) in ERRORS.items():
        app.register_error_handler(
            status, lambda error, s=status, t=title, a=advice: _page(s, t, a))
    app.register_error_handler(CSRFError, lambda error: _page(400, *CSRF_EXPIRED))
    app.register_error_handler(RateLimitExceeded, _too_many_attempts)
