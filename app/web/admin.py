"""Account management and the audit log, for admins (/beheer).

Everyone else gets 404, signed in or not: the pages do not reveal that they exist. The
log can only be read here; no page changes or removes an entry.
"""
from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.services import catalog
from app.services.editorial import audit
from app.services.people import users as user_service
from app.services.people.accounts import MIN_PASSWORD_LENGTH, create_user
from app.services.permissions import is_admin
from app.services.validation import Checker, ValidationFailed
from app.web.forms import error_messages, options, page_number
from app.web.messages import ACTION_LABELS, SITE_ROLE_LABELS

bp = Blueprint("admin", __name__, url_prefix="/beheer")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@bp.before_request
def _admins_only():
    if not is_admin(current_user):
        abort(404)


@bp.app_context_processor
def _admin_link() -> dict:
    return {"show_admin_link": is_admin(current_user)}


def _acting_admin():
    return current_user._get_current_object()


def _form_options() -> dict:
    return {"roles": list(SITE_ROLE_LABELS.items()),
            "groups": options(catalog.groups(), "slug", "name")}


@bp.get("/")
def index():
    return redirect(url_for("admin.users"))


@bp.get("/gebruikers")
def users():
    role = request.args.get("rol", "")
    if role and role not in SITE_ROLE_LABELS:
        abort(404)
    search = request.args.get("zoek", "").strip()
    page = user_service.list_users(role=role, search=search, page=page_number(request.args))
    return render_template("admin/users.html", page=page, role=role, search=search,
                           roles=SITE_ROLE_LABELS)


@bp.route("/gebruikers/nieuw", methods=["GET", "POST"])
def new_user():
    form, errors = request.form, {}
    if request.method == "POST":
        try:
            user = create_user(form.get("email", ""), form.get("name", ""),
                               form.get("password", ""), form.get("site_role", ""),
                               form.getlist("groups"), actor=_acting_admin())
        except ValidationFailed as failure:
            errors = error_messages(failure)
        else:
            flash(_("Het account voor %(email)s is aangemaakt.", email=user.email), "success")
            return redirect(url_for("admin.user", user_id=user.id), code=303)
    return render_template("admin/new_user.html", form=form, errors=errors,
                           options=_form_options(), min_length=MIN_PASSWORD_LENGTH
                           ), (422 if errors else 200)


@bp.route("/gebruikers/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    account = user_service.get_user(user_id) or abort(404)
    errors, form = {}, request.form
    if request.method == "POST":
        try:
            done = user_service.update(
                _acting_admin(), account, name=form.get("name", ""),
                site_role=form.get("site_role", ""), active="active" in form,
                group_slugs=form.getlist("groups"))
        except ValidationFailed as failure:
            errors = error_messages(failure)
        else:
            flash(_("De wijzigingen zijn opgeslagen.") if done else _("Er was niets gewijzigd."),
                  "success")
            # An admin who just gave up their own admin role can no longer see this page.
            target = (url_for("admin.user", user_id=account.id) if is_admin(current_user)
                      else url_for("pages.home"))
            return redirect(target, code=303)
    shown = {"name": form.get("name"), "site_role": form.get("site_role"),
             "active": "active" in form, "groups": form.getlist("groups")} if errors else {
        "name": account.name, "site_role": account.site_role, "active": account.active,
        "groups": [group.slug for group in account.groups]}
    return render_template("admin/user.html", account=account, errors=errors,
                           form=shown, options=_form_options()), (422 if errors else 200)


def _day(check: Checker, name: str, value: str):
    """A date typed as YYYY-MM-DD (the only form the page asks for), within reason."""
    value = (value or "").strip()
    if value and (not _DAY.fullmatch(value) or not 1900 <= int(value[:4]) <= 2100):
        check.fail(name, "invalid_date")
        return None
    return check.date(name, value)


def _log_filter(args) -> audit.AuditFilter:
    check = Checker()
    action = check.choice("actie", args.get("actie"), {a: a for a in audit.ACTIONS}) or ""
    since, until = _day(check, "vanaf", args.get("vanaf")), _day(check, "tot", args.get("tot"))
    if since and until and until < since:
        check.fail("tot", "before_start")
    check.done()
    return audit.AuditFilter(action=action, actor=args.get("door", "").strip(),
                             target=args.get("onderwerp", "").strip(), since=since,
                             until=until)


@bp.get("/logboek")
def log():
    """Newest first. A filter that cannot be read shows the error and no entries: a list
    that ignored part of the question would look like its answer."""
    try:
        chosen, errors = _log_filter(request.args), {}
    except ValidationFailed as failure:
        chosen, errors = None, error_messages(failure)
    page = audit.entries(chosen, page_number(request.args)) if chosen else None
    actions = [(code, ACTION_LABELS.get(code, code)) for code in audit.ACTIONS]
    return render_template("admin/log.html", page=page, errors=errors, args=request.args,
                           actions=actions, labels=ACTION_LABELS), (422 if errors else 200)

