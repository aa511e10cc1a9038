"""Reflection pages: one reflection, the list, and the form for a new one."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.services import catalog
from app.services.cases import case_choices
from app.services.reflections import (
    ReflectionInput,
    case_shown_with,
    get_visible_reflection,
    list_reflections,
    submit_reflection,
)
from app.web.forms import options, page_number, submitted

bp = Blueprint("reflections", __name__, url_prefix="/reflecties")
MAX_ID = 2**63 - 1  # larger numbers cannot be ids in the database: a plain 404


@bp.get("/")
def index():
    page = list_reflections(current_user, page=page_number(request.args))
    return render_template("reflections/index.html", page=page)


@bp.get(f"/<int(max={MAX_ID}):reflection_id>")
def detail(reflection_id: int):
    reflection = get_visible_reflection(current_user, reflection_id) or abort(404)
    return render_template("reflections/detail.html", reflection=reflection,
                           case=case_shown_with(current_user, reflection))


def _form_options() -> dict[str, list[tuple[str, str]]]:
    return {
        "cases": case_choices(current_user),
        "roles": options(catalog.roles(), "id", "label"),
        "contexts": options(catalog.terms(catalog.TermKind.REFLECTION_CONTEXT)),
        "groups": options(catalog.groups(), "slug", "name"),
    }


@bp.route("/nieuw", methods=["GET", "POST"])
@login_required
def new():
    form, errors = ReflectionInput(case=request.args.get("casus", "")), {}
    if request.method == "POST":
        form, errors, reflection = submitted(ReflectionInput, submit_reflection)
        if reflection:
            flash("Uw reflectie is opgeslagen.", "success")
            return redirect(url_for("reflections.detail", reflection_id=reflection.id), code=303)
    return render_template("reflections/new.html", form=form, errors=errors,
                           options=_form_options()), (422 if errors else 200)
