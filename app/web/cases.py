"""Case pages: the list with its filters, one case, and the form for a new one."""
from __future__ import annotations

from functools import partial

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.services import catalog, organisations
from app.services.contributing.cases import (
    CASE_KIND,
    CaseInput,
    get_visible_case,
    list_cases,
    submit_case,
    visible_reflections,
)
from app.services.editorial.merge import redirect_target
from app.services.reading.browse_facets import YEARS, listed_organisation
from app.services.reading.search import cases_with_title_like
from app.services.reading.similar import similar_cases
from app.web.forms import options, page_number, submit_wanted, submitted
from app.web.item_forms import edit_page, saved_response
from app.web.language import localized

bp = Blueprint("cases", __name__, url_prefix="/casussen")


def _filter(value: str | None, lookup: dict):
    """A filter from the address; an unknown value is a broken link, so 404 says so."""
    if not value:
        return None
    return lookup.get(value) or abort(404)


def _organisation(value: str | None) -> organisations.OrganisationFilter | None:
    """An organisation of the vocabulary (by slug, or any of its names), with its units,
    or a name not in it: known is what a case the reader may see names."""
    if not value:
        return None
    return listed_organisation(current_user, value) or abort(404)


@bp.get("/")
def index():
    roles = catalog.roles_by_id()
    domains = catalog.terms_by_slug(catalog.TermKind.POLICY_DOMAIN)
    groups = catalog.groups_by_slug()
    chosen = {
        "rol": _filter(request.args.get("rol"), roles),
        "beleidsterrein": _filter(request.args.get("beleidsterrein"), domains),
        "leergroep": _filter(request.args.get("leergroep"), groups),
        # From /bladeren: shown as chosen above the list, not offered in the form.
        "organisatie": _organisation(request.args.get("organisatie")),
        "belanghebbende": _filter(request.args.get("belanghebbende"), catalog.terms_by_slug(
            catalog.TermKind.STAKEHOLDER_TYPE)),
        "jaar": _filter(request.args.get("jaar"), YEARS),
    }
    page = list_cases(current_user, role=chosen["rol"], domain=chosen["beleidsterrein"],
                      group=chosen["leergroep"], organisation=chosen["organisatie"],
                      stakeholder_type=chosen["belanghebbende"], year=chosen["jaar"],
                      page=page_number(request.args))
    return render_template("cases/index.html", page=page, chosen=chosen,
                           roles=roles.values(), domains=domains.values(),
                           groups=groups.values())


@bp.get("/<slug>")
def detail(slug: str):
    case = get_visible_case(current_user, slug)
    if case is None or case.merged_into_id is not None:
        survivor = redirect_target(current_user, slug)
        if survivor is not None:  # merged: the old address leads to the case that stayed
            return redirect(url_for("cases.detail", slug=survivor.slug), code=301)
    if case is None:
        abort(404)
    return render_template("cases/detail.html", case=case,
                           reflections=visible_reflections(current_user, case),
                           similar=similar_cases(current_user, case),
                           organisation_within=organisations.ancestors_of(
                               case.organisation_term))


def _form_options() -> dict[str, list[tuple[str, str]]]:
    return {
        "roles": options(catalog.roles(), "id", "label"),
        "domains": options(catalog.terms(catalog.TermKind.POLICY_DOMAIN)),
        "phases": options(catalog.terms(catalog.TermKind.PHASE)),
        "scales": options(catalog.terms(catalog.TermKind.SCALE)),
        "stakeholder_types": options(catalog.terms(catalog.TermKind.STAKEHOLDER_TYPE)),
        "groups": options(catalog.groups(), "slug", "name"),
        "subthemes": [(theme.slug, f"{group.name}: {theme.name}")
                      for group in catalog.groups() for theme in group.subthemes],
    }


def _organisation_choices() -> tuple[dict[str, str], list[str]]:
    """The vocabulary's organisations for the form: slug -> name in the reader's language
    (a saved case holds the slug; its form shows the name), and the names the field
    offers, by name."""
    names = {term.slug: localized(term) for term in catalog.terms(catalog.TermKind.ORGANISATION)}
    return names, sorted(set(names.values()), key=organisations.normal)


def _render_form(form, errors, case=None, duplicates=()):
    names, offered = _organisation_choices()
    shown = names.get(form.organisation, form.organisation)
    return render_template("cases/form.html", form=form, errors=errors, case=case,
                           duplicates=duplicates, options=_form_options(),
                           organisation=shown, organisation_names=offered), (
        422 if errors else 200)


@bp.route("/nieuw", methods=["GET", "POST"])
@login_required
def new():
    form, errors = CaseInput(), {}
    if request.method == "POST":
        submit = partial(submit_case, submit=submit_wanted(), warn_duplicates=True)
        form, errors, case = submitted(CaseInput, submit)
        if case:
            return saved_response(case)
    duplicates = cases_with_title_like(current_user, form.title) if "confirm_new" in errors else []
    return _render_form(form, errors, duplicates=duplicates)


@bp.route("/<slug>/bewerken", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    case = get_visible_case(current_user, slug) or abort(404)
    return edit_page(CASE_KIND, case, partial(_render_form, case=case))
