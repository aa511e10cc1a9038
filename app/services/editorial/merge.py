"""Merging two cases that tell the same dossier.

The absorbed case is not deleted: it is archived and points at the survivor, so that its
address keeps working (a permanent redirect) and its history stays readable. Its
reflections move to the survivor; the survivor's history records the merge.
"""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Case, Status
from app.services.contributing.cases import case_snapshot
from app.services.contributing.reflections import reflection_snapshot
from app.services.contributing.revisions import record_revision
from app.services.editorial import audit
from app.services.permissions import can_review, can_view, could_read_when_published
from app.services.validation import Refused


def _check(user, absorbed: Case, survivor: Case) -> None:
    for case in (absorbed, survivor):
        if not (can_view(user, case) and can_review(user, case)):
            raise PermissionError("only editors merge cases they can read")
    if absorbed.id == survivor.id:
        raise Refused("same_case")
    if absorbed.merged_into_id is not None or survivor.merged_into_id is not None:
        raise Refused("already_merged")


def merge_cases(user, absorbed: Case, survivor: Case) -> None:
    """One transaction. The revisions name the absorbed case by id, not by slug: the
    history page shows its address only to readers who may see it."""
    _check(user, absorbed, survivor)
    moved = list(absorbed.reflections)
    for reflection in moved:
        reflection.case = survivor
    absorbed.merged_into_id = survivor.id
    absorbed.status = Status.ARCHIVED
    absorbed.featured_at = None
    record_revision(survivor, case_snapshot(survivor), user, "merged", str(absorbed.id))
    for reflection in moved:  # their latest revision must name the case they are on now
        record_revision(reflection, reflection_snapshot(reflection), user, "moved",
                        str(absorbed.id))
    audit.record(user, "merged", survivor, f"{absorbed.slug} → {survivor.slug}")
    db.session.commit()


def redirect_target(user, slug: str) -> Case | None:
    """Where an absorbed case's address leads: only for a reader who could read the
    absorbed case while it was published (or can now) and may see the survivor. Anyone
    else gets the 404 of an address that never existed: a redirect would tell them that a
    case with that slug was there, a draft or another group's case perhaps.

    Follows a chain (A merged into B, B later into C) to its end, at most a few steps.
    """
    case = db.session.scalar(select(Case).where(Case.slug == slug))
    if case is None or not could_read_when_published(user, case):
        return None
    for _step in range(10):
        if case is None or case.merged_into_id is None:
            break
        case = db.session.get(Case, case.merged_into_id)
    else:
        return None
    if case is None or case.slug == slug or not can_view(user, case):
        return None
    return case
