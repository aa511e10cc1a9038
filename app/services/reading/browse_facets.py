"""Browsing cases by policy domain, organisation, stakeholder type and year, with counts.

Every count is one grouped SQL query over `visible_condition(user, Case, listed=True)`,
the same condition the case list uses, so the number beside a value is the number of
cases its link lists. The filters the case list takes for these facets live here too
(`in_year`, `listed_organisation`), so that counting and listing cannot drift apart.
An organisation of the vocabulary counts the cases of its units too (a ministry those of
its directorates), as its link lists them (services/organisations.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Integer, and_, func, literal, select, union_all

from app.extensions import db
from app.models import Case, Term, TermKind
from app.models.case import case_stakeholder_types
from app.services import organisations
from app.services.permissions import visible_condition

FACETS = ("policy_domain", "organisation", "stakeholder_type", "year")
# The years a case may name (the same bounds as the input check): the year facet
# counts over this fixed range, so it stays small however long a case runs.
FIRST_YEAR, LAST_YEAR = 1900, 2100
YEARS = {str(year): year for year in range(FIRST_YEAR, LAST_YEAR + 1)}


@dataclass(frozen=True)
class FacetValue:
    value: str   # what the case list's filter takes: a slug, an organisation, a year
    label: str
    count: int
    label_en: str = ""  # a term's English label
    # An organisation's place in the vocabulary: the one it is part of, and how deep.
    within: str = ""
    within_en: str = ""
    depth: int = 0


def _last_year():
    """By the same rule as the index (Case.years): a running case counts to this year."""
    return Case.last_year(date.today().year)


def in_year(year: int) -> ColumnElement[bool]:
    """Cases that ran in `year`: each counts for every year from its start to its end."""
    return and_(Case.year_start <= year, _last_year() >= year)


def _listed(user) -> ColumnElement[bool]:
    return visible_condition(user, Case, listed=True)


def _term_counts(user, kind: TermKind, statement) -> list[FacetValue]:
    rows = db.session.execute(
        statement.where(_listed(user), Term.kind == kind.value, Term.merged_into_id.is_(None))
        .group_by(Term.id, Term.slug, Term.label, Term.label_en, Term.position)
        .order_by(Term.position, Term.label))
    return [FacetValue(slug, label, count, label_en) for slug, label, label_en, count in rows]


def _policy_domains(user) -> list[FacetValue]:
    return _term_counts(user, TermKind.POLICY_DOMAIN,
                        select(Term.slug, Term.label, Term.label_en, func.count(Case.id))
                        .join(Case, Case.policy_domain_id == Term.id))


def _stakeholder_types(user) -> list[FacetValue]:
    link = case_stakeholder_types
    return _term_counts(user, TermKind.STAKEHOLDER_TYPE,
                        select(Term.slug, Term.label, Term.label_en, func.count(Case.id))
                        .join(link, link.c.term_id == Term.id)
                        .join(Case, Case.id == link.c.case_id))


@dataclass(frozen=True)
class _Organisation:
    """What the tree of the vocabulary needs of an organisation (organisations.Tree)."""

    id: int
    slug: str
    label: str
    label_en: str
    parent_id: int | None
    merged_into_id: None = None


def _organisation_rows(user):
    """In one statement: each live organisation of the vocabulary with the number of
    listed cases that name it (0 for none), and each name not in the vocabulary with its
    cases."""
    counts = (select(Case.organisation_id.label("term_id"), Case.organisation.label("name"),
                     func.count(Case.id).label("cases"))
              .where(_listed(user), Case.organisation_id.is_not(None) | (Case.organisation != ""))
              .group_by(Case.organisation_id, Case.organisation).cte("counts"))
    known = (select(Term.id, Term.slug, Term.label, Term.label_en, Term.parent_id,
                    literal("").label("name"), func.coalesce(func.sum(counts.c.cases), 0))
             .outerjoin(counts, counts.c.term_id == Term.id)
             .where(Term.kind == TermKind.ORGANISATION.value, Term.merged_into_id.is_(None))
             .group_by(Term.id, Term.slug, Term.label, Term.label_en, Term.parent_id))
    unknown = select(literal(None, Integer), literal(""), literal(""), literal(""),
                     literal(None, Integer), counts.c.name, counts.c.cases
                     ).where(counts.c.term_id.is_(None))
    return db.session.execute(union_all(known, unknown)).all()


def _organisations(user) -> list[FacetValue]:
    """The vocabulary's organisations in its tree order (each with its units after it),
    counting their units' cases too; then the names it does not know (yet), as typed."""
    rows = _organisation_rows(user)
    tree = organisations.Tree(_Organisation(*row[:5]) for row in rows if row[0] is not None)
    counts = tree.rolled_up({row[0]: int(row[6]) for row in rows if row[0] is not None})
    values = []
    for term, depth in tree.depth_first():
        if counts.get(term.id):
            parent = tree.parent(term)
            values.append(FacetValue(term.slug, term.label, counts[term.id], term.label_en,
                                     parent.label if parent else "",
                                     parent.label_en if parent else "", depth))
    unknown = sorted(((row[5], int(row[6])) for row in rows if row[0] is None),
                     key=lambda row: (row[0].casefold(), row[0]))
    return values + [FacetValue(name, name, count) for name, count in unknown]


def _years(user) -> list[FacetValue]:
    """Cases are first grouped by their span (few distinct spans, one pass over the cases
    and their visibility); the spans are then spread over a fixed series of years.

    In year order, newest first: a policy officer mostly looks for recent practice, the
    current year (where every running case counts) comes first, and the search page's
    year facet and its "nieuwste" sort read the same way. The year page lists them in
    this order; /bladeren keeps it for the years it picks."""
    each = (select(Case.year_start.label("first"), _last_year().label("last"))
            .where(_listed(user), Case.year_start.is_not(None)).subquery())
    # Grouped on the inner query's columns: PostgreSQL does not see two copies of an
    # expression with bound parameters (the current year) as the same grouping key.
    spans = (select(each.c.first, each.c.last, func.count().label("cases"))
             .group_by(each.c.first, each.c.last).subquery())
    years = select(literal(FIRST_YEAR, Integer).label("year")).cte("years", recursive=True)
    years = years.union_all(select((years.c.year + 1).label("year"))
                            .where(years.c.year < LAST_YEAR))
    rows = db.session.execute(
        select(years.c.year, func.sum(spans.c.cases))
        .join(spans, and_(spans.c.first <= years.c.year, spans.c.last >= years.c.year))
        .group_by(years.c.year)
        .order_by(years.c.year.desc()))
    return [FacetValue(str(year), str(year), int(count)) for year, count in rows]


COUNTERS = {
    "policy_domain": _policy_domains,
    "organisation": _organisations,
    "stakeholder_type": _stakeholder_types,
    "year": _years,
}


def facet_values(user, facet: str) -> list[FacetValue]:
    """Every value of `facet` that at least one case the reader may see carries, with
    how many such cases carry it; a value without cases is left out."""
    return COUNTERS[facet](user)


def listed_case_count(user) -> int:
    return db.session.scalar(select(func.count(Case.id)).where(_listed(user)))


def listed_organisation(user, name: str) -> organisations.OrganisationFilter | None:
    """The filter for `name` (a slug, any name of an organisation, or a name not in the
    vocabulary) when a case the reader may see is from that organisation (or one of its
    units), else None: the case list answers an organisation nobody may see with the same
    404 as a made-up one."""
    chosen = organisations.organisation_filter(name)
    if chosen is None:
        return None
    found = db.session.scalar(
        select(Case.id).where(_listed(user), chosen.condition()).limit(1))
    return chosen if found is not None else None
