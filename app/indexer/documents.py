"""From items to search documents: what the index holds of a case or a reflection.

The one place that knows which fields of an item are searched, filtered, counted and
checked for access. The worker writes what this makes; nothing else writes documents.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import ITEM_MODELS, Case, ItemMixin, Reflection
from app.search import LEAD_WORDS

# Everything document_for reads, loaded in one query per relation instead of one per item.
LOAD_OPTIONS = {
    Case: (selectinload(Case.roles), selectinload(Case.groups), selectinload(Case.policy_domain),
           selectinload(Case.stakeholder_types), selectinload(Case.phase),
           selectinload(Case.scale), selectinload(Case.organisation_term)),
    Reflection: (selectinload(Reflection.roles_acted), selectinload(Reflection.roles_asked)),
}


def _years(item: ItemMixin) -> list[int]:
    """The years an item is about: a case's whole span (to this year while it runs), a
    reflection's date."""
    if isinstance(item, Reflection):
        return [item.occurred_on.year] if item.occurred_on else []
    return list(item.years(date.today().year))


def _texts(item: ItemMixin) -> dict[str, str]:
    if isinstance(item, Case):
        title, summary = item.title, item.summary
        body = "\n".join(filter(None, [item.body_text, item.dilemma]))
    else:
        prompts = [text for _name, text in item.prompts()]
        title, summary = item.title, prompts[0] if prompts else ""
        body = "\n".join(filter(None, [*prompts[1:], item.switch_note]))
    lead = " ".join((body or summary).split()[:LEAD_WORDS])
    return {"title": title, "summary": summary, "body": body, "lead": lead,
            "exact": "\n".join([title, summary, body])}


def _likeness(item: ItemMixin) -> dict[str, str]:
    """What similar cases weigh besides text, domain, roles and groups (a case's only)."""
    if not isinstance(item, Case):
        return {}
    return {"stakeholders": ",".join(term.slug for term in item.stakeholder_types),
            "phase": item.phase.slug if item.phase else "",
            "scale": item.scale.slug if item.scale else "",
            "lead_role": item.dominant_role_id or ""}


def document_for(item: ItemMixin) -> dict:
    """The search document of a case or reflection: its text, what it may be filtered and
    counted on, and the access values the permission filter reads."""
    is_case = isinstance(item, Case)
    domain = item.policy_domain.slug if is_case and item.policy_domain else ""
    access = {field: ",".join(sorted(values)) for field, values in item.access_values().items()}
    return {
        "key": item.search_key, "kind": item.search_kind,
        "ref": item.slug if is_case else str(item.id),
        "roles": ",".join(item.role_ids), "domain": domain,
        # Its organisation's slug, else the text as typed (a unit's cases are counted
        # for its ministry at search time: services/organisations.py).
        "organisation": (item.organisation_term.slug if item.organisation_term
                         else item.organisation) if is_case else "",
        "years": ",".join(map(str, _years(item))),
        "published": item.published_at or item.created_at, "updated": item.updated_at,
        **_likeness(item), **_texts(item), **access,
    }


def documents_for(keys: set[tuple[str, int]]) -> tuple[list[dict], list[str]]:
    """Upserts for the items that exist, deletes for those that no longer do."""
    upserts, deletes = [], []
    for kind, model in ITEM_MODELS.items():
        ids = {item_id for entity, item_id in keys if entity == kind}
        items = select(model).where(model.id.in_(ids)).options(*LOAD_OPTIONS[model])
        found = {item.id: item for item in db.session.scalars(items)} if ids else {}
        upserts += [document_for(item) for item in found.values()]
        deletes += [f"{kind}:{item_id}" for item_id in ids - found.keys()]
    return upserts, deletes


def all_documents() -> Iterator[dict]:
    for model in ITEM_MODELS.values():
        items = select(model).order_by(model.id).options(*LOAD_OPTIONS[model])
        for item in db.session.scalars(items.execution_options(yield_per=500)):
            yield document_for(item)


def item_count() -> int:
    return sum(db.session.scalar(select(func.count()).select_from(model))
               for model in ITEM_MODELS.values())
