"""Signing in and out."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user

from app.services.accounts import authenticate
from app.web.forms import safe_next

bp = Blueprint("auth", __name__)
SIGN_IN_FAILED = "Het e-mailadres of het wachtwoord klopt niet."


@bp.route("/inloggen", methods=["GET", "POST"])
def login():
    errors, email = {}, ""
    next_url = safe_next(request.values.get("next"), url_for("pages.home"))
    if request.method == "POST":
        email = request.form.get("email", "")
        user = authenticate(email, request.form.get("password", ""))
        if user is not None:
            login_user(user)
            flash(f"U bent ingelogd als {user.name}.", "success")
            return redirect(next_url, code=303)
        errors = {"email": SIGN_IN_FAILED}
    return render_template("auth/login.html", errors=errors, email=email,
                           next_url=next_url), (401 if errors else 200)


@bp.post("/uitloggen")
@login_required
def logout():
    logout_user()
    flash("U bent uitgelogd.", "success")
    return redirect(url_for("pages.home"), code=303)
