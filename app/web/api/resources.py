"""What the API sends for each kind of thing: plain JSON values, ISO dates, stable ids.

A case or reflection is sent with the very field names and values its create/update
request takes (the form's input, services' `*_as_input`), plus what only the server
knows (id, status, dates, rendered HTML). A client can so read, change one field and
send it back.
"""
from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime

from flask import url_for

from app.models import Case, LearningGroup, Reflection, Role
from app.services.contributing.cases import case_as_input, visible_reflections
from app.services.contributing.reflections import case_shown_with, reflection_as_input


def iso(moment: datetime | date | None) -> str | None:
    """ISO 8601; times in UTC with an explicit offset, so no reader has to guess."""
    return moment.isoformat() if moment is not None else None


def _year(value: str) -> int | None:
    return int(value) if value else None


def _item_dates(item: Case | Reflection) -> dict:
    return {"status": item.status, "created_at": iso(item.created_at),
            "updated_at": iso(item.updated_at), "published_at": iso(item.published_at)}


def page_url(item: Case | Reflection) -> str:
    """The absolute address of an item's web page: the `url` of every item the API
    sends, and of each row of the open data (which services make without addresses)."""
    if isinstance(item, Case):
        return url_for("cases.detail", slug=item.slug, _external=True)
    return url_for("reflections.detail", reflection_id=item.id, _external=True)


def case_summary(case: Case) -> dict:
    """What a list shows of a case."""
    return {
        "id": case.id, "slug": case.slug, "title": case.title, "summary": case.summary,
        "roles": case.role_ids, "published_at": iso(case.published_at),
        "url": page_url(case),
        "api_url": url_for("api.case", case_id=case.id, _external=True),
    }


def organisation_fields(case: Case) -> dict:
    """`organisation` is its name, as it always was: the vocabulary's label, else the text
    as written (either is taken back on a write); beside it the vocabulary's slug and
    English label, null for a name the vocabulary does not know."""
    term = case.organisation_term
    return {"organisation": term.label if term else case.organisation,
            "organisation_slug": term.slug if term else None,
            "organisation_label_en": (term.label_en or None) if term else None}


def case_resource(user, case: Case) -> dict:
    values = asdict(case_as_input(case))
    del values["confirm_new"]
    values["year_start"], values["year_end"] = (_year(values["year_start"]),
                                                _year(values["year_end"]))
    values.update(organisation_fields(case))
    return {
        **case_summary(case), **values, **_item_dates(case),
        "body_html": case.body_html,
        "merged_into": case.merged_into_id,
        "reflections": [reflection.id for reflection in visible_reflections(user, case)],
    }


def reflection_summary(reflection: Reflection) -> dict:
    return {
        "id": reflection.id, "title": reflection.title,
        "roles_acted": [role.id for role in reflection.roles_acted],
        "occurred_on": iso(reflection.occurred_on),
        "published_at": iso(reflection.published_at),
        "url": page_url(reflection),
        "api_url": url_for("api.reflection", reflection_id=reflection.id, _external=True),
    }


def reflection_resource(user, reflection: Reflection) -> dict:
    values = asdict(reflection_as_input(reflection))
    # The case only when the reader may see it too: its slug names it.
    shown = case_shown_with(user, reflection)
    values["case"] = shown.slug if shown is not None else None
    values["occurred_on"] = values["occurred_on"] or None
    return {**reflection_summary(reflection), **values, **_item_dates(reflection),
            "case_id": shown.id if shown is not None else None}


def role_resource(role: Role, counts: dict[str, int]) -> dict:
    return {"id": role.id, "label": role.label, "label_en": role.label_en,
            "short": role.short, "short_en": role.short_en, "paradigm": role.paradigm,
            "position": role.position, "behaviours": list(role.behaviours),
            "counts": counts,
            "url": url_for("pages.role", role_id=role.id, _external=True)}


def group_resource(group: LearningGroup) -> dict:
    return {"id": group.id, "slug": group.slug, "name": group.name,
            "summary": group.summary,
            "subthemes": [{"slug": theme.slug, "name": theme.name}
                          for theme in group.subthemes],
            "url": url_for("groups.detail", slug=group.slug, _external=True),
            "api_url": url_for("api.group", slug=group.slug, _external=True)}


def page_of(items: list[dict], *, page: int, per_page: int, total: int, endpoint: str,
            **arguments) -> dict:
    """A page of a list with the links to its neighbours (absent at either end)."""
    pages = max(1, -(-total // per_page))
    links = {}
    if page > 1:
        links["prev"] = url_for(endpoint, page=min(page - 1, pages), per_page=per_page,
                                _external=True, **arguments)
    if page < pages:
        links["next"] = url_for(endpoint, page=page + 1, per_page=per_page,
                                _external=True, **arguments)
    return {"items": items, "page": page, "per_page": per_page, "total": total,
            "pages": pages, "links": links}
