"""Error pages that say what happened and what to do next, in the reader's language."""
from __future__ import annotations

import math
import time

from flask import Flask, Response, render_template
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import SecurityError

from app.extensions import limiter

# Lazy texts: each page is worded in the language of the request it answers.
ERRORS = {
    400: (_l("Dit verzoek klopt niet"), _l("Ga terug en probeer het opnieuw.")),
    403: (_l("U mag deze pagina niet bekijken"),
          _l("Log in met een ander account of ga terug.")),
    404: (_l("Pagina niet gevonden"), _l("Controleer het adres, of zoek wat u nodig hebt.")),
    405: (_l("Dit kan niet op deze pagina"), _l("Ga terug en probeer het opnieuw.")),
    413: (_l("Uw bericht is te groot"),
          _l("Wat u stuurde is groter dan wij aannemen. Maak de tekst korter en probeer het"
             " opnieuw.")),
    429: (_l("Te veel pogingen"), _l("Wacht een paar minuten en probeer het dan opnieuw.")),
    500: (_l("Er ging iets mis bij ons"), _l("Probeer het over een paar minuten opnieuw.")),
}
CSRF_EXPIRED = (_l("Het formulier is verlopen"),
                _l("Uit veiligheid kon dit formulier niet worden verwerkt. Ga terug, laad de"
                   " pagina opnieuw en verstuur het nog een keer."))


def _page(status: int, title, advice):
    return render_template("error.html", status=status, title=str(title),
                           advice=str(advice)), status


def _too_many_attempts(error: RateLimitExceeded):
    """Says how long to wait: until the limit's window ends, not a fixed time."""
    limit = limiter.current_limit
    # reset_at is rounded up to a whole second; without that second 15 minutes read as 16.
    seconds = limit.reset_at - 1 - time.time() if limit is not None else 60
    minutes = max(1, math.ceil(seconds / 60))
    return _page(429, ERRORS[429][0],
                 ngettext("U hebt het te vaak achter elkaar geprobeerd. Wacht %(num)d minuut"
                          " en probeer het dan opnieuw.",
                          "U hebt het te vaak achter elkaar geprobeerd. Wacht %(num)d minuten"
                          " en probeer het dan opnieuw.", minutes))


def _untrusted_host(error):
    """A Host not in TRUSTED_HOSTS: no page of ours, since every link on it would be
    built from that very host (and building them fails)."""
    return Response("400 Bad Request: unknown host\n", status=400, mimetype="text/plain")


def register_error_pages(app: Flask) -> None:
    for status, (title, advice) in ERRORS.items():
        app.register_error_handler(
            status, lambda error, s=status, t=title, a=advice: _page(s, t, a))
    app.register_error_handler(CSRFError, lambda error: _page(400, *CSRF_EXPIRED))
    app.register_error_handler(RateLimitExceeded, _too_many_attempts)
    app.register_error_handler(SecurityError, _untrusted_host)
