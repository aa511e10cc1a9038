"""Open data: every published case and reflection the caller may see, as flat rows.

The columns and what they mean (the codebook) are defined once, here; the README's
codebook is checked against `CODEBOOK` by the tests, and the API writes CSV and JSON
from the same rows. Its `url` column comes from the caller (`page_url`): web addresses
are the web layer's to make, so the rows can be made without a request.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict

from app.extensions import db
from app.models import Case, Reflection
from app.services.contributing.cases import case_as_input, visible_cases
from app.services.contributing.reflections import (
    case_shown_with,
    reflection_as_input,
    visible_reflections,
)

BATCH = 500  # rows loaded per round trip: memory stays flat however large the library

PageUrl = Callable[[Case | Reflection], str]  # an item's page, as an absolute address

CASE_COLUMNS = {
    "id": "Stable number of the case; never reused.",
    "slug": "The case's name in its web address; stays when the title changes.",
    "url": "The case's page.",
    "title": "Title.",
    "summary": "Short summary (plain text).",
    "body": "The case itself, in Markdown.",
    "roles": "Government roles at play: ids from /api/v1/roles (rechtmatig, presterend, "
             "netwerkend, responsief).",
    "dominant_role": "The role that dominated, one of `roles`, or empty.",
    "policy_domain": "Policy domain (slug of the vocabulary term).",
    "organisation": "Organisation or directorate: its name in the organisation vocabulary,"
                    " else as written by the author.",
    "organisation_slug": "The organisation's slug in the vocabulary (content/taxonomy.yml),"
                         " or empty when its name is not in it.",
    "phase": "Phase of the policy cycle (term slug), or empty.",
    "scale": "Scale: local, regional, national, … (term slug), or empty.",
    "stakeholder_types": "Kinds of stakeholders involved (term slugs); never names.",
    "learning_groups": "Learning groups the case belongs to (group slugs).",
    "subthemes": "Sub-themes within those groups (slugs).",
    "year_start": "First year the case is about, or empty.",
    "year_end": "Last year, or empty while it runs.",
    "dilemma": "The central dilemma, in a sentence or two.",
    "visibility": "Who may read it: public, internal (signed-in participants) or group.",
    "published_at": "When it was published (ISO 8601, UTC).",
    "updated_at": "When it last changed (ISO 8601, UTC).",
}
REFLECTION_COLUMNS = {
    "id": "Stable number of the reflection; never reused.",
    "url": "The reflection's page.",
    "title": "Title.",
    "case": "Slug of the case it reflects on, when the caller may see that case; else empty.",
    "context": "Where it happened (term slug), or empty.",
    "learning_group": "Learning group (slug), or empty.",
    "occurred_on": "Date it happened (YYYY-MM-DD), or empty.",
    "situation": "Prompt: the situation.",
    "looking_back": "Prompt: looking back.",
    "dilemma": "Prompt: the core and the dilemma.",
    "quality_pitfall": "Prompt: quality and pitfall.",
    "alternatives": "Prompt: alternatives.",
    "intention": "Prompt: intention for next time.",
    "lesson": "Prompt: lesson for the learning group.",
    "roles_acted": "Roles the author acted from (role ids).",
    "roles_asked": "Roles the situation asked for (role ids).",
    "switch_from": "A switch between roles: from this role, or empty.",
    "switch_to": "… to this role, or empty.",
    "switch_note": "What the switch was about.",
    "visibility": "Who may read it: public, internal or group.",
    "published_at": "When it was published (ISO 8601, UTC).",
    "updated_at": "When it last changed (ISO 8601, UTC).",
}
CODEBOOK = {"cases": CASE_COLUMNS, "reflections": REFLECTION_COLUMNS}


def _stamp(moment) -> str:
    return moment.isoformat() if moment is not None else ""


def _batched(statement) -> Iterator:
    return db.session.scalars(statement.execution_options(yield_per=BATCH))


def case_rows(user, page_url: PageUrl) -> Iterator[dict]:
    for case in _batched(visible_cases(user)):
        values = asdict(case_as_input(case))
        term = case.organisation_term
        values.update(id=case.id, slug=case.slug, url=page_url(case),
                      organisation=term.label if term else case.organisation,
                      organisation_slug=term.slug if term else "",
                      published_at=_stamp(case.published_at),
                      updated_at=_stamp(case.updated_at))
        yield {column: values[column] for column in CASE_COLUMNS}


def reflection_rows(user, page_url: PageUrl) -> Iterator[dict]:
    for reflection in _batched(visible_reflections(user)):
        values = asdict(reflection_as_input(reflection))
        shown = case_shown_with(user, reflection)
        values.update(id=reflection.id, case=shown.slug if shown is not None else "",
                      url=page_url(reflection),
                      published_at=_stamp(reflection.published_at),
                      updated_at=_stamp(reflection.updated_at))
        yield {column: values[column] for column in REFLECTION_COLUMNS}


ROWS = {"cases": case_rows, "reflections": reflection_rows}

