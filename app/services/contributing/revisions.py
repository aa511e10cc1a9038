"""Revisions: a snapshot after every save, and reading them back for history and restore.

A snapshot is the item as its form would submit it (CaseInput / ReflectionInput as a
dict, made by the cases and reflections services), so that restoring an old revision is
submitting that old form again, checked by today's rules, and a diff compares exactly
the fields people write.
"""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import ItemMixin, Revision

# Why a revision was made; the history page words each in Dutch.
REASONS = ("created", "edited", "imported", "restored", "merged", "moved")


def history(item: ItemMixin) -> list[Revision]:
    """Newest first."""
    return list(db.session.scalars(
        select(Revision)
        .where(Revision.entity == item.search_kind, Revision.entity_id == item.id)
        .order_by(Revision.number.desc())))


def revision(item: ItemMixin, number: int) -> Revision | None:
    return db.session.scalar(select(Revision).where(
        Revision.entity == item.search_kind, Revision.entity_id == item.id,
        Revision.number == number))


def _latest(item: ItemMixin) -> Revision | None:
    return db.session.scalar(
        select(Revision)
        .where(Revision.entity == item.search_kind, Revision.entity_id == item.id)
        .order_by(Revision.number.desc()).limit(1))


def record_revision(item: ItemMixin, fields: dict, author, reason: str, detail: str = ""
                    ) -> Revision | None:
    """Add a revision of `item` holding `fields` (its snapshot, as its form would submit
    it), to be committed with the save itself.

    Nothing is added when the fields are those of the latest revision already: a status
    change or a re-import of the same text is not a new version of the text.
    """
    if reason not in REASONS:
        raise ValueError(f"unknown revision reason {reason!r}")
    db.session.flush()  # the item needs its id
    latest = _latest(item)
    # A restore or a merge is worth a line in the history even when the text is the same.
    if latest is not None and latest.fields == fields and reason in ("created", "edited",
                                                                       "imported"):
        return None
    number = (latest.number if latest else 0) + 1
    entry = Revision(entity=item.search_kind, entity_id=item.id, number=number,
                     author_id=getattr(author, "id", None), reason=reason,
                     reason_detail=detail, fields=fields)
    db.session.add(entry)
    return entry


def revision_count(item: ItemMixin) -> int:
    return db.session.scalar(select(func.count()).select_from(Revision).where(
        Revision.entity == item.search_kind, Revision.entity_id == item.id)) or 0
