"""The signed-in user's own account: for now, changing the password."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.services.accounts import MIN_PASSWORD_LENGTH, change_password
from app.services.validation import ValidationFailed
from app.web.forms import error_messages

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.route("/wachtwoord", methods=["GET", "POST"])
@login_required
def password():
    errors = {}
    if request.method == "POST":
        form = request.form
        try:
            change_password(current_user._get_current_object(), form.get("current_password", ""),
                            form.get("new_password", ""), form.get("new_password_repeat", ""))
        except ValidationFailed as failure:
            errors = error_messages(failure)
        else:
            flash("Uw wachtwoord is gewijzigd. Gebruik voortaan het nieuwe wachtwoord.",
                  "success")
            return redirect(url_for("account.password"), code=303)
    return render_template("account/password.html", errors=errors,
                           min_length=MIN_PASSWORD_LENGTH), (422 if errors else 200)
