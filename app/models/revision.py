"""Revisions: every saved state of a case or reflection, kept for history and restore."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.user import User


class Revision(Base):
    """A snapshot of an item's own fields as they were after one save.

    Keyed by (entity, entity_id) like the change log rather than by foreign key, so that
    the history of a case merged into another outlives the case itself.
    """

    __tablename__ = "revisions"
    __table_args__ = (Index("ix_revisions_entity", "entity", "entity_id", "number", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int]
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, 3, … per item
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # What happened, as a code the interface words: created, edited, restored, merged, …
    reason: Mapped[str] = mapped_column(String(40), default="edited")
    # For a restore: the number restored; for a merge: the absorbed case's slug.
    reason_detail: Mapped[str] = mapped_column(String(200), default="")
    fields: Mapped[dict] = mapped_column(JSON)

    author: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Revision {self.entity}:{self.entity_id} #{self.number}>"
