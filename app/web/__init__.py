"""The web interface: blueprints, templates and the glue that binds them to the app."""
from __future__ import annotations

from flask import Flask, request
from flask_babel import lazy_gettext as _l

from app.extensions import csrf, limiter, login_manager
from app.web import (
    account,
    admin,
    api,
    auth,
    browse,
    cases,
    editorial,
    errors,
    featured,
    feeds,
    groups,
    pages,
    reflections,
    search,
    taxonomy,
)
from app.web.language import register_language
from app.web.templating import register_templating
from app.web.transport import register_transport

BLUEPRINTS = (pages.bp, cases.bp, reflections.bp, groups.bp, search.bp, auth.bp, account.bp,
              admin.bp, featured.bp, taxonomy.bp, editorial.bp, feeds.bp, browse.bp, api.bp)

# A second line of defence behind sanitising: no inline script, nothing from elsewhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


# Over HTTPS only (a header sent over plain HTTP is ignored, and on a test machine it
# would pin the browser to HTTPS for a year): browsers keep to HTTPS from then on.
HSTS = "max-age=31536000; includeSubDomains"


def _add_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def register_web(app: Flask) -> None:
    register_transport(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(auth.load_session_user)
    app.before_request(auth.load_user_first)
    login_manager.login_view = "auth.login"
    # Flask-Login flashes this; str() words it in the language of that request (a lazy
    # text cannot be stored in the session).
    login_manager.login_message = _l("Log in om deze pagina te bekijken.")
    login_manager.localize_callback = str
    login_manager.login_message_category = "info"
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    errors.register_error_pages(app)
    register_language(app)
    register_templating(app)
    app.after_request(_add_security_headers)
