"""Browsing cases by policy domain, organisation, stakeholder type and year, with counts.

Every count is one grouped SQL query over `visible_condition(user, Case, listed=True)`,
the same condition the case list uses, so the number beside a value is the number of
cases its link lists. The filters the case list takes for these facets live here too
(`in_year`, `listed_organisation`), so that counting and listing cannot drift apart.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Integer, and_, func, literal, select

from app.extensions import db
from app.models import Case, Term, TermKind
from app.models.case import case_stakeholder_types
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


def _organisations(user) -> list[FacetValue]:
    rows = db.session.execute(
        select(Case.organisation, func.count(Case.id))
        .where(_listed(user), Case.organisation != "")
        .group_by(Case.organisation))
    return [FacetValue(name, name, count)
            for name, count in sorted(rows, key=lambda row: (row[0].casefold(), row[0]))]


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


def listed_organisation(user, name: str) -> str | None:
    """`name` when a case the reader may see is from that organisation, else None: the
    case list answers an organisation nobody may see with the same 404 as a made-up one."""
    found = db.session.scalar(
        select(Case.id).where(_listed(user), Case.organisation == name).limit(1))
    return name if found is not None and name else None
