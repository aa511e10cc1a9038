"""Reading through the API: search, cases, reflections, roles and learning groups."""
from __future__ import annotations

from flask import jsonify, redirect, url_for
from flask_babel import force_locale

from app.services import catalog, organisations
from app.services.contributing.cases import list_cases, visible_case_by_id
from app.services.contributing.reflections import (
    ReflectionFilter,
    get_visible_reflection,
    list_reflections,
)
from app.services.editorial.merge import redirect_target
from app.services.reading import browse
from app.services.reading.browse_facets import YEARS
from app.services.reading.search import LONGEST_API_QUERY, search_items
from app.services.reading.search_log import note_search
from app.web.api import bp, caller, params, searcher_key
from app.web.api.problems import ApiError
from app.web.api.resources import (
    case_resource,
    case_summary,
    group_resource,
    page_of,
    reflection_resource,
    reflection_summary,
    role_resource,
)
from app.web.search_notices import notice_text

# API parameter -> the web's search parameter (services.reading.search.FIELDS).
SEARCH_FILTERS = {"role": "rol", "type": "type", "policy_domain": "beleidsterrein",
                  "group": "leergroep", "organisation": "organisatie", "year": "jaar"}
SEARCH_SORTS = {"relevance": "relevantie", "newest": "nieuwste"}
TYPE_VALUES = {"casus": "case", "reflectie": "reflection"}


# -- search ----------------------------------------------------------------------------

def _hit(hit) -> dict:
    item_id = int(hit.key.partition(":")[2])
    if hit.kind == "case":
        web = url_for("cases.detail", slug=hit.ref, _external=True)
        api = url_for("api.case", case_id=item_id, _external=True)
    else:
        web = url_for("reflections.detail", reflection_id=item_id, _external=True)
        api = url_for("api.reflection", reflection_id=item_id, _external=True)
    return {"type": hit.kind, "id": item_id, "title": hit.title, "roles": list(hit.roles),
            "excerpt_html": hit.excerpt_html, "url": web, "api_url": api}


def _facets(outcome) -> dict:
    names = {web: api for api, web in SEARCH_FILTERS.items()}
    return {names[parameter]: [
        {"value": TYPE_VALUES.get(option.value, option.value), "label": option.label,
         "label_en": option.label_en or None, "count": option.count,
         "selected": option.selected}
        for option in facet.options] for parameter, facet in outcome.facets.items()}


def _notices(outcome) -> list[dict]:
    notices = []
    for code, values in outcome.notices:
        wording = {}
        for language in ("nl", "en"):
            with force_locale(language):
                wording[language] = notice_text(code, values)
        notices.append({"code": code, "message": wording})
    return notices


def _search_values(parameter: str) -> dict:
    """What each search filter accepts: the vocabularies, a year or span, or free text."""
    kind = catalog.TermKind
    return {
        "role": {"allowed": catalog.roles_by_id()},
        "type": {"allowed": {"case", "reflection"}},
        "policy_domain": {"allowed": catalog.terms_by_slug(kind.POLICY_DOMAIN)},
        "group": {"allowed": catalog.groups_by_slug()},
        "year": {"pattern": params.YEAR_OR_SPAN},
    }.get(parameter, {})


@bp.get("/search")
def search():
    page = params.integer("page", 1, minimum=1, maximum=params.MAX_PAGE)
    sort = params.choice("sort", SEARCH_SORTS) or "relevantie"
    chosen = {web: found for api, web in SEARCH_FILTERS.items()
              if (found := params.values(api, **_search_values(api)))}
    text = params.text("q", max_length=LONGEST_API_QUERY) or ""
    outcome = search_items(caller(), text, chosen, sort=sort, page=page)
    note_search(caller(), outcome, searcher_key())
    results = outcome.results
    return jsonify({
        "query": outcome.text, "sort": "newest" if outcome.sort == "nieuwste" else "relevance",
        "index_ready": outcome.index_ready,
        "page": results.page if results else page,
        "per_page": results.page_length if results else 0,
        "total": results.total if results else 0,
        "pages": results.page_count if results else 0,
        "items": [_hit(hit) for hit in results.hits] if results else [],
        "facets": _facets(outcome),
        "suggestion": results.suggestion if results else None,
        "notices": _notices(outcome),
    })


# -- cases -------------------------------------------------------------------------------

def _case_filters() -> dict:
    return {
        "role": params.choice("role", catalog.roles_by_id()),
        "domain": params.choice("policy_domain",
                                catalog.terms_by_slug(catalog.TermKind.POLICY_DOMAIN)),
        "group": params.choice("group", catalog.groups_by_slug()),
        "stakeholder_type": params.choice(
            "stakeholder_type", catalog.terms_by_slug(catalog.TermKind.STAKEHOLDER_TYPE)),
        "year": params.choice("year", YEARS),
        "organisation": organisations.organisation_filter(
            params.text("organisation", max_length=200)),
    }


@bp.get("/cases")
def cases():
    page, per_page = params.paging()
    listing = list_cases(caller(), **_case_filters(), page=page, per_page=per_page)
    return jsonify(page_of([case_summary(case) for case in listing.items], page=page,
                           per_page=per_page, total=listing.total, endpoint="api.cases"))


@bp.get("/cases/<int:case_id>")
def case(case_id: int):
    found = visible_case_by_id(caller(), params.item_id(case_id))
    if found is None:
        raise ApiError(404)
    if found.merged_into_id is not None:
        survivor = redirect_target(caller(), found.slug)
        if survivor is not None:
            return redirect(url_for("api.case", case_id=survivor.id), code=301)
    return jsonify(case_resource(caller(), found))


# -- reflections -------------------------------------------------------------------------

@bp.get("/reflections")
def reflections():
    page, per_page = params.paging()
    roles = catalog.roles_by_id()
    chosen = ReflectionFilter(acted=params.choice("role_acted", roles),
                              asked=params.choice("role_asked", roles),
                              switch_from=params.choice("switch_from", roles),
                              switch_to=params.choice("switch_to", roles))
    listing = list_reflections(caller(), page=page, chosen=chosen, per_page=per_page)
    return jsonify(page_of([reflection_summary(item) for item in listing.items], page=page,
                           per_page=per_page, total=listing.total,
                           endpoint="api.reflections"))


@bp.get("/reflections/<int:reflection_id>")
def reflection(reflection_id: int):
    found = get_visible_reflection(caller(), params.item_id(reflection_id))
    if found is None:
        raise ApiError(404)
    return jsonify(reflection_resource(caller(), found))


# -- roles and learning groups -------------------------------------------------------------

@bp.get("/roles")
def roles():
    counts = catalog.role_counts(caller())
    return jsonify({"items": [role_resource(role, counts[role.id])
                              for role in catalog.roles()]})


@bp.get("/groups")
def groups():
    return jsonify({"items": [group_resource(group) for group in catalog.groups()]})


@bp.get("/groups/<slug>")
def group(slug: str):
    found = catalog.group(slug)
    if found is None:
        raise ApiError(404)
    overview = browse.group_overview(caller(), found)
    return jsonify({
        **group_resource(found),
        "role_balance": overview.balance.counts,
        "cases": [case_summary(item) for _role, items in overview.cases_by_role
                  for item in items],
        "reflections": [reflection_summary(item) for item in overview.reflections],
    })
