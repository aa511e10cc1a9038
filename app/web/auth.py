"""Signing in and out."""
from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from app.extensions import limiter
from app.services.people import sessions
from app.services.people.accounts import authenticate, sign_out
from app.web.forms import safe_next

bp = Blueprint("auth", __name__)
SIGN_IN_FAILED = _l("Het e-mailadres of het wachtwoord klopt niet.")
# What a sign-in does not throw away of the session it replaces: notices not yet shown.
KEPT_ON_SIGN_IN = ("_flashes",)
# Where the cookie keeps the token of its server-side session (services/people/sessions.py).
SESSION_TOKEN = "_sign_in"  # nosec B105  # a session key name, not a password


def session_token() -> str | None:
    """The token naming this browser's session on the server (services/people/sessions.py)."""
    return session.get(SESSION_TOKEN)


def searcher_key() -> str:
    """What tells this searcher from others today, for counting who searched for what the
    library lacks (services/reading/search_log.py keeps only its HMAC under a daily
    salt): the signed-in session's token; without one, the address and the browser's
    name, as no cookie is set for anonymous readers to count them."""
    token = session_token()
    if token and current_user.is_authenticated:
        return f"session:{token}"
    return f"address:{request.remote_addr}:{request.user_agent.string}"


def load_session_user(user_key: str):
    """Flask-Login's user loader: the account, while this session is alive on the
    server. A copy of the cookie is only as good as the session it was copied from."""
    return sessions.session_user(user_key, session_token())


def load_user_first() -> None:
    """Before every view: load the signed-in user now rather than at its first mention.
    Loading may write (sessions.py notes a session's use), and must do so on a database
    session that holds nothing of the view's yet. Not for static files, which need no
    user and would each cost the queries for nothing."""
    if SESSION_TOKEN in session and request.endpoint != "static":
        current_user._get_current_object()


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def _failed(response) -> bool:
    """Only failed attempts count: colleagues behind one office address share a limit,
    and their successful sign-ins must not use it up."""
    return response.status_code == 401


def _fresh_session() -> None:
    """A new session at sign-in, so that nothing planted in the old one (a session
    fixation) carries over; the CSRF token is renewed with it."""
    kept = {key: session[key] for key in KEPT_ON_SIGN_IN if key in session}
    session.clear()
    session.update(kept)
    session.permanent = True


@bp.route("/inloggen", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"], deduct_when=_failed)
def login():
    errors, email = {}, ""
    next_url = safe_next(request.values.get("next"), url_for("pages.home"))
    if request.method == "POST":
        email = request.form.get("email", "")
        user = authenticate(email, request.form.get("password", ""))
        if user is not None:
            previous = session_token()
            _fresh_session()
            login_user(user)
            session[SESSION_TOKEN] = sessions.start(user, replacing=previous)
            flash(_("U bent ingelogd als %(name)s.", name=user.name), "success")
            return redirect(next_url, code=303)
        errors = {"email": str(SIGN_IN_FAILED)}
    return render_template("auth/login.html", errors=errors, email=email,
                           next_url=next_url), (401 if errors else 200)


@bp.post("/uitloggen")
@login_required
def logout():
    sign_out(current_user._get_current_object(), session_token())
    logout_user()
    session.clear()
    flash(_("U bent uitgelogd."), "success")
    return redirect(url_for("pages.home"), code=303)
