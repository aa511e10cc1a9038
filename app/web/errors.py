"""Error pages that say what happened and what to do next, in the reader's language."""
from __future__ import annotations

import math
import time

from flask import Flask, Response, g, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import SecurityError

from app.database import discard_failed_transaction, is_lock_timeout
from app.extensions import limiter
from app.web.api.problems import is_api_request, problem
from app.web.forms import RefusedField
from app.web.messages import FIELD_LABELS

# Lazy texts: each page is worded in the language of the request it answers.
ERRORS = {
    400: (_l("Dit verzoek klopt niet"), _l("Ga terug en probeer het opnieuw.")),
    403: (_l("U mag deze pagina niet bekijken"),
          _l("Log in met een ander account of ga terug.")),
    404: (_l("Pagina niet gevonden"), _l("Controleer het adres, of zoek wat u nodig hebt.")),
    405: (_l("Dit kan niet op deze pagina"), _l("Ga terug en probeer het opnieuw.")),
    414: (_l("Het adres is te lang"),
          _l("Het adres van deze pagina is langer dan wij aannemen. Maak uw zoekvraag"
             " korter en probeer het opnieuw.")),
    413: (_l("Uw bericht is te groot"),
          _l("Wat u stuurde is groter dan wij aannemen. Maak de tekst korter en probeer het"
             " opnieuw.")),
    429: (_l("Te veel pogingen"), _l("Wacht een paar minuten en probeer het dan opnieuw.")),
    500: (_l("Er ging iets mis bij ons"), _l("Probeer het over een paar minuten opnieuw.")),
    503: (_l("Het is op dit moment te druk"),
          _l("Het systeem was even bezig met iets anders. Probeer het over een minuut"
             " opnieuw.")),
}
RETRY_AFTER_SECONDS = 60
NOT_SHOWN_AGAIN = ("csrf_token", "password")  # field names containing these are not echoed
REFUSED_FIELD = (_l("Dit kunnen wij niet verwerken"),
                 _l("Ga terug, pas het aan en probeer het opnieuw."))
CSRF_EXPIRED = (_l("Het formulier is verlopen"),
                _l("Uit veiligheid kon dit formulier niet worden verwerkt. Ga terug, laad de"
                   " pagina opnieuw en verstuur het nog een keer."))


def _page(status: int, title, advice, error=None):
    if is_api_request():  # a program asked: it gets JSON, in both languages
        response = problem(status)
        if error is not None and getattr(error, "valid_methods", None):  # 405: say which
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response
    return render_template("error.html", status=status, title=str(title),
                           advice=str(advice)), status


def _typed() -> list[tuple[str, str]]:
    """What the user sent with a form, labelled, to copy from the error page if the
    browser's Back button does not bring it back (passwords and tokens left out)."""
    return [(str(FIELD_LABELS.get(name, name)), ", ".join(v for v in values if v.strip()))
            for name, values in request.form.lists()
            if not any(secret in name for secret in NOT_SHOWN_AGAIN)
            and any(value.strip() for value in values)]


def _database_error(error: OperationalError):
    """A write that waited the whole busy timeout for another writer's lock: 503 with
    what the user typed (error.html shows g.unsaved_input), instead of a 500 that loses
    it. Other database errors stay errors: raised again, so logged and answered with 500."""
    discard_failed_transaction()
    if not is_lock_timeout(error):
        raise error
    if request.method == "POST":
        g.unsaved_input = _typed()
    response = make_response(_page(503, *ERRORS[503]))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _refused_field(error: RefusedField):
    """A field no page could accept (web.forms.check_arriving_fields): which one and why.
    What was typed is not shown again: it may be what made the page refuse it."""
    title, advice = REFUSED_FIELD
    return _page(422, title, f"{error.message()} {advice}")


def _too_many_attempts(error: RateLimitExceeded):
    """Says how long to wait: until the limit's window ends, not a fixed time."""
    limit = limiter.current_limit
    # reset_at is rounded up to a whole second; without that second 15 minutes read as 16.
    seconds = limit.reset_at - 1 - time.time() if limit is not None else 60
    minutes = max(1, math.ceil(seconds / 60))
    if is_api_request():
        return problem(429, retry_after_seconds=max(1, math.ceil(seconds)))
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
            status, lambda error, s=status, t=title, a=advice: _page(s, t, a, error))
    app.register_error_handler(CSRFError, lambda error: _page(400, *CSRF_EXPIRED))
    app.register_error_handler(RefusedField, _refused_field)
    app.register_error_handler(RateLimitExceeded, _too_many_attempts)
    app.register_error_handler(SecurityError, _untrusted_host)
    app.register_error_handler(OperationalError, _database_error)
