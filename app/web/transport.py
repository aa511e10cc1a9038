"""How requests reach the app: through TLS proxies, with cookies fit for HTTPS, and with
every field checked for length and control characters before any view reads it."""
from __future__ import annotations

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from app.web.forms import check_arriving_fields


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, marked Secure whenever the request came over HTTPS,
    so that a site served over TLS is safe without anyone remembering a setting."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(super().get_cookie_secure(app)
                    or (has_request_context() and request.is_secure))


def register_transport(app: Flask) -> None:
    app.session_interface = SessionInterface()
    # Registered before the CSRF check (web/__init__.py), so that it runs first.
    app.before_request(check_arriving_fields)
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        # Only the client address and the scheme: the rate limit counts per address and
        # the cookie is marked Secure for https. The host is taken as it arrives.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
