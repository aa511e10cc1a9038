"""The JSON API under /api/v1: the library for other programs.

Who asks is decided by the `Authorization: Bearer <token>` header alone; a session
cookie is ignored here. So no browser can be tricked into a write (the API needs no
CSRF token), and a request without a token reads as an anonymous visitor. Every answer
goes through the same services, and so the same permission rule, as the web pages.
"""
from __future__ import annotations

import hashlib

from flask import Blueprint, current_app, g, request
from flask_limiter.util import get_remote_address

from app.extensions import csrf, limiter
from app.services.people.api_tokens import user_for_token
from app.services.validation import has_control_characters
from app.web.api.problems import ApiError, problem

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def _rate_limit_key() -> str:
    """Per token when one is sent (several scripts behind one address are different
    callers), else per address. Hashed: a limiter back-end may be shared."""
    header = request.headers.get("Authorization", "")
    if header:
        return "token:" + hashlib.sha256(header.encode()).hexdigest()
    return "address:" + get_remote_address()


limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=_rate_limit_key)(bp)


@bp.before_request
def _readable_address():
    """An address with control characters names nothing of ours (404), as on the site.
    Refused before any lookup: PostgreSQL refuses a NUL byte in a query (a 500)."""
    if has_control_characters(request.path):
        return problem(404)
    return None


@bp.before_request
def _authenticate():
    """Sets g.api_user: the token's owner, or None for an anonymous reader. A token that
    is sent but not valid is refused, rather than silently read as anonymous."""
    g.api_user = None
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    user = user_for_token(token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        return problem(401)
    g.api_user = user
    return None


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return problem(error.status, error.code, **error.extra)


def caller():
    """The account the request acts for (None: anonymous)."""
    return g.api_user


def searcher_key() -> str | None:
    """What tells this caller from others when a search finds little
    (services/reading/search_log.py keeps only its HMAC under a daily salt): its token;
    None without one, and a search without a user is not recorded."""
    if g.api_user is None:
        return None
    return "token:" + request.headers.get("Authorization", "").partition(" ")[2].strip()


def require_caller():
    if g.api_user is None:
        raise ApiError(401)
    return g.api_user


# The routes register themselves on `bp` when their modules are imported.
from app.web.api import export, openapi, read, write  # noqa: E402,F401
