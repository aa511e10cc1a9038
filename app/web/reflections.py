"""Reflection pages: one reflection, the list, and the form for a new one."""
from __future__ import annotations

from functools import partial

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from app.models import MAX_ID
from app.services import catalog
from app.services.contributing.cases import case_choices
from app.services.contributing.reflections import (
    REFLECTION_KIND,
    ReflectionFilter,
    ReflectionInput,
    case_shown_with,
    get_visible_reflection,
    list_reflections,
    submit_reflection,
)
from app.services.reading.patterns import reflection_patterns
from app.web.forms import options, page_number, submit_wanted, submitted
from app.web.item_forms import edit_page, saved_response

bp = Blueprint("reflections", __name__, url_prefix="/reflecties")


def _role_filter(parameter: str):
    """A role from the address; an unknown one is a broken link, so 404 says so."""
    value = request.args.get(parameter)
    return (catalog.role(value) or abort(404)) if value else None


FILTERS = {"gehandeld": "acted", "gevraagd": "asked", "van": "switch_from", "naar": "switch_to"}


@bp.get("/")
def index():
    chosen = ReflectionFilter(**{name: _role_filter(parameter)
                                 for parameter, name in FILTERS.items()})
    page = list_reflections(current_user, page=page_number(request.args), chosen=chosen)
    return render_template("reflections/index.html", page=page, chosen=chosen)


@bp.get("/patronen")
def patterns():
    return render_template("reflections/patterns.html",
                           patterns=reflection_patterns(current_user))


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


def _render_form(form, errors, reflection=None):
    return render_template("reflections/form.html", form=form, errors=errors,
                           reflection=reflection, options=_form_options()), (
        422 if errors else 200)


@bp.route("/nieuw", methods=["GET", "POST"])
@login_required
def new():
    form, errors = ReflectionInput(case=request.args.get("casus", "")), {}
    if request.method == "POST":
        submit = partial(submit_reflection, submit=submit_wanted())
        form, errors, reflection = submitted(ReflectionInput, submit)
        if reflection:
            return saved_response(reflection)
    return _render_form(form, errors)


@bp.route(f"/<int(max={MAX_ID}):reflection_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit(reflection_id: int):
    reflection = get_visible_reflection(current_user, reflection_id) or abort(404)
    return edit_page(REFLECTION_KIND, reflection,
                     partial(_render_form, reflection=reflection))
