"""The signed-in user's own account: an overview, the password, and personal API tokens."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import limiter
from app.services.people import api_tokens
from app.services.people.accounts import MIN_PASSWORD_LENGTH, change_password
from app.services.validation import ValidationFailed
from app.web.auth import session_token
from app.web.forms import error_messages

bp = Blueprint("account", __name__, url_prefix="/account")


def _guess_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def _wrong_current_password(response) -> bool:
    """Only a wrong current password counts: this form must not become a way round the
    sign-in limit for someone who finds a session left open."""
    return g.get("wrong_current_password", False)


@bp.route("/wachtwoord", methods=["GET", "POST"])
@login_required
@limiter.limit(_guess_limit, methods=["POST"], deduct_when=_wrong_current_password)
def password():
    errors = {}
    if request.method == "POST":
        form, user = request.form, current_user._get_current_object()
        try:
            change_password(user, form.get("current_password", ""),
                            form.get("new_password", ""), form.get("new_password_repeat", ""),
                            keep_session=session_token())
        except ValidationFailed as failure:
            g.wrong_current_password = "current_password" in failure.errors
            errors = error_messages(failure)
        else:  # this session stays; every other one has ended
            flash(_("Uw wachtwoord is gewijzigd. Gebruik voortaan het nieuwe wachtwoord."),
                  "success")
            return redirect(url_for("account.password"), code=303)
    return render_template("account/password.html", errors=errors,
                           min_length=MIN_PASSWORD_LENGTH), (422 if errors else 200)


def _account_page(errors=None, new_token: str | None = None, name: str = ""):
    """The page shows a new token's text once, in the answer to the request that made
    it: it is not stored, not flashed and not put in the session."""
    user = current_user._get_current_object()
    return render_template("account/index.html", tokens=api_tokens.tokens_of(user),
                           errors=errors or {}, new_token=new_token, name=name,
                           name_limit=api_tokens.NAME_MAX_LENGTH), (422 if errors else 200)


@bp.get("/")
@login_required
def overview():
    return _account_page()


@bp.post("/sleutels")
@login_required
def create_token():
    name = request.form.get("name", "")
    try:
        _token, plain = api_tokens.create_token(current_user._get_current_object(), name)
    except ValidationFailed as failure:
        return _account_page(error_messages(failure), name=name)
    return _account_page(new_token=plain)


@bp.post("/sleutels/<int:token_id>/intrekken")
@login_required
def revoke_token(token_id: int):
    if api_tokens.revoke_token(current_user._get_current_object(), token_id):
        flash(_("De API-sleutel is ingetrokken. Programma's die hem gebruiken, krijgen nu"
                " geen toegang meer."), "success")
    else:
        flash(_("Deze API-sleutel bestaat niet of was al ingetrokken."), "info")
    return redirect(url_for("account.overview"), code=303)
