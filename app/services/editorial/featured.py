"""Cases editors put on the front page ("Uitgelicht"), most recently featured first.

Featuring is a mark on the case, not a list of its own: whether a reader sees a featured
case is decided by the same rule as everywhere else, so a case that is later archived or
narrowed to its learning group quietly leaves the front page of those who may no longer
read it, and comes back if it is published again.
"""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Case, Status, utcnow
from app.services.editorial import audit
from app.services.permissions import is_editor, is_private, visible_condition
from app.services.validation import Refused


def _refusal(case: Case) -> str | None:
    """Only what is published may be shown off; a private case has a single reader."""
    if case.status != Status.PUBLISHED:
        return "not_published"
    if is_private(case.visibility):
        return "private"
    return None


def _require_editor(user) -> None:
    if not is_editor(user):
        raise PermissionError("only editors feature cases")


def feature(editor, case: Case) -> None:
    """Put `case` on the front page; featuring it again changes nothing."""
    _require_editor(editor)
    if code := _refusal(case):
        raise Refused(code)
    if case.featured_at is None:
        case.featured_at = utcnow()
        audit.record(editor, "featured", case)
        db.session.commit()


def unfeature(editor, case: Case) -> None:
    """Take `case` off the front page, whatever its status now (an archived case too)."""
    _require_editor(editor)
    if case.featured_at is not None:
        case.featured_at = None
        audit.record(editor, "unfeatured", case)
        db.session.commit()


def button_for(user, case: Case) -> str | None:
    """Which button the case page offers `user`: "unfeature", "feature", or none."""
    if not is_editor(user):
        return None
    if case.featured_at is not None:
        return "unfeature"
    return None if _refusal(case) else "feature"


def featured_cases(user, limit: int = 4) -> list[Case]:
    return list(db.session.scalars(
        select(Case)
        .where(Case.featured_at.is_not(None), visible_condition(user, Case, listed=True))
        .order_by(Case.featured_at.desc(), Case.id.desc())
        .limit(limit)
    ))
