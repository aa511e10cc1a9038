"""The similar cases of a case page ("Vergelijkbare casussen"), each with what it shares.

The search package finds them (search/similar.py: the case's telling words, weighed
with its roles, most important role, stakeholder types, policy domain, phase, scale and
learning groups) and says what each shares as index values; here those values get the
labels a reader knows, from the case itself: every label named is one the case's own
page already shows, so a reason tells nothing about the other case beyond its title.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.indexer import read_or
from app.models import Case
from app.search import similar_items
from app.services.permissions import access_grants, visible_condition

REASONS = 3        # shared things named per similar case ("ook: …"), most telling first
REASON_WORDS = 2   # of which at most this many words of the text


@dataclass(frozen=True)
class Shared:
    """One thing a similar case shares with the case, as the page names it: a role's or
    a term's labels in Dutch and English, a group's name, or a word of the case's text
    (neither has an English label: they are shown as written)."""
    label: str
    label_en: str = ""


@dataclass(frozen=True)
class SimilarCase:
    case: Case
    shared: tuple[Shared, ...]   # most telling first, at most three


def _facets(case: Case) -> dict[str, list[str]]:
    """The case's values of the index fields similarity weighs."""
    def slug(term) -> list[str]:
        return [term.slug] if term is not None else []
    return {"roles": case.role_ids,
            "lead_role": [case.dominant_role_id] if case.dominant_role_id else [],
            "stakeholders": [term.slug for term in case.stakeholder_types],
            "domain": slug(case.policy_domain), "phase": slug(case.phase),
            "scale": slug(case.scale),
            "groups": [str(group.id) for group in case.groups]}


def _labels(case: Case) -> dict[tuple[str, str], Shared]:
    """(field, value) -> how the page names it, for each of the case's own values."""
    terms = [("stakeholders", term) for term in case.stakeholder_types]
    terms += [(field, term) for field, term in (("domain", case.policy_domain),
                                                ("phase", case.phase), ("scale", case.scale))
              if term is not None]
    roles = [*case.roles, *([case.dominant_role] if case.dominant_role else [])]
    labels = {(field, term.slug): _in_a_list(term) for field, term in terms}
    labels |= {("roles", role.id): _in_a_list(role) for role in roles}
    labels |= {("groups", str(group.id)): Shared(group.name) for group in case.groups}
    return labels


def _lower_first(label: str) -> str:
    """A label as it reads within a line ("ook: bewoners en omwonenden, …"): its first
    letter in lower case, unless the label starts with an abbreviation ("NGOs")."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def _in_a_list(term) -> Shared:
    """A role's or a term's labels within "ook: …" (a learning group's name and a word
    of the text keep their capitals)."""
    return Shared(_lower_first(term.label), _lower_first(term.label_en))


def _named(shared: tuple[tuple[str, str], ...],
           labels: dict[tuple[str, str], Shared]) -> tuple[Shared, ...]:
    """The REASONS most telling shared things, at most REASON_WORDS of them words, and
    no word a shared label already says ("omwonenden" beside "bewoners en omwonenden")."""
    facets = [labels[thing] for thing in shared if thing in labels]
    said = {word for label in facets for word in label.label.casefold().split()}
    named: list[Shared] = []
    words = 0
    for field, value in shared:
        if field != "word":
            named += [labels[(field, value)]] if (field, value) in labels else []
        elif words < REASON_WORDS and value.casefold() not in said:
            named.append(Shared(value))
            words += 1
        if len(named) == REASONS:
            break
    return tuple(named)


def similar_cases(user, case: Case, limit: int = 5) -> list[SimilarCase]:
    """Cases most like `case` that the reader may see, with what each shares with it."""
    grants = access_grants(user, listed=True)
    found = read_or([], lambda searcher: similar_items(
        searcher, case.search_key, grants, facets=_facets(case), limit=limit))
    found_ids = [(int(item.hit.key.partition(":")[2]), item) for item in found]
    # Loaded and checked against the database in one query (the index may lag).
    visible = {c.id: c for c in db.session.scalars(select(Case).where(
        Case.id.in_([item_id for item_id, _item in found_ids]),
        visible_condition(user, Case, listed=True)))}
    labels = _labels(case)
    return [SimilarCase(visible[item_id], _named(item.shared, labels))
            for item_id, item in found_ids if item_id in visible]
