"""Browsing the cases by facet: /bladeren and /bladeren/<facet>, each value with its count,
each linking to the case list filtered on that value."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from app.services.reading.browse_facets import facet_values, listed_case_count
from app.web.messages import BROWSE_FACETS

bp = Blueprint("browse", __name__)
# Address segment (also the case list's filter parameter) -> the service's facet.
FACETS = {
    "beleidsterrein": "policy_domain",
    "organisatie": "organisation",
    "belanghebbende": "stakeholder_type",
    "jaar": "year",
}
OVERVIEW_SIZE = 5  # values per facet on /bladeren: those with the most cases


def _largest(segment: str, values: list) -> list:
    """The values /bladeren shows of a facet: the OVERVIEW_SIZE with the most cases (on a
    tie, the one the service lists first). Years are then shown in the order of the year
    page, newest first: "2021, 2020, 2019, 2026, 2025" reads as a mistake."""
    shown = sorted(values, key=lambda value: value.count, reverse=True)[:OVERVIEW_SIZE]
    if segment == "jaar":
        shown.sort(key=lambda value: int(value.value), reverse=True)
    return shown


@bp.get("/bladeren")
def index():
    facets = []
    for segment, facet in FACETS.items():
        values = facet_values(current_user, facet)
        facets.append((segment, *BROWSE_FACETS[segment], values, _largest(segment, values)))
    return render_template("browse/index.html", facets=facets, size=OVERVIEW_SIZE,
                           total=listed_case_count(current_user))


@bp.get("/bladeren/<segment>")
def facet(segment: str):
    if segment not in FACETS:
        abort(404)
    heading, plural = BROWSE_FACETS[segment]
    return render_template("browse/facet.html", segment=segment, heading=heading,
                           plural=plural, values=facet_values(current_user, FACETS[segment]))
