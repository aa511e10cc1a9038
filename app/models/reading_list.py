"""A learning group's reading list ("leerpad"): cases and reflections in an order chosen
by hand, each with a line on why it is worth reading."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.case import Case
    from app.models.reflection import Reflection


class ReadingListEntry(Base):
    __tablename__ = "reading_list_entries"
    __table_args__ = (
        # Exactly one of the two: an entry points at a case or at a reflection.
        CheckConstraint("(case_id IS NULL) != (reflection_id IS NULL)", name="one_item"),
        UniqueConstraint("group_id", "case_id", name="uq_reading_list_entries_case"),
        UniqueConstraint("group_id", "reflection_id", name="uq_reading_list_entries_reflection"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("learning_groups.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    reflection_id: Mapped[int | None] = mapped_column(
        ForeignKey("reflections.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(String(300), default="")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case | None] = relationship()
    reflection: Mapped[Reflection | None] = relationship()

    @property
    def item(self) -> Case | Reflection:
        return self.case if self.case is not None else self.reflection

    def __repr__(self) -> str:
        return f"<ReadingListEntry {self.group_id} #{self.position}>"
