"""Error pages that say what happened and what to do next, in Dutch."""
from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError

ERRORS = {
    400: ("Dit verzoek klopt niet", "Ga terug en probeer het opnieuw."),
    403: ("U mag deze pagina niet bekijken", "Log in met een ander account of ga terug."),
    404: ("Pagina niet gevonden", "Controleer het adres, of zoek wat u nodig hebt."),
    405: ("Dit kan niet op deze pagina", "Ga terug en probeer het opnieuw."),
    413: ("Uw bericht is te groot",
          "Wat u stuurde is groter dan wij aannemen. Maak de tekst korter en probeer het"
          " opnieuw."),
    500: ("Er ging iets mis bij ons", "Probeer het over een paar minuten opnieuw."),
}
CSRF_EXPIRED = ("Het formulier is verlopen",
                "Uit veiligheid kon dit formulier niet worden verwerkt. Ga terug, laad de"
                " pagina opnieuw en verstuur het nog een keer.")


def _page(status: int, title: str, advice: str):
    return render_template("error.html", status=status, title=title, advice=advice), status


def register_error_pages(app: Flask) -> None:
    for status, (title, advice) in ERRORS.items():
        app.register_error_handler(
            status, lambda error, s=status, t=title, a=advice: _page(s, t, a))
    app.register_error_handler(CSRFError, lambda error: _page(400, *CSRF_EXPIRED))
