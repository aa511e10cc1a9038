"""Reflections: what a participant learned, written along the prompts of the programme."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Column, Date, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base
from app.models.item import ItemMixin

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from app.models.case import Case
    from app.models.group import LearningGroup
    from app.models.taxonomy import Role, Term


def _role_table(name: str) -> Table:
    return Table(
        name,
        Base.metadata,
        Column("reflection_id", ForeignKey("reflections.id", ondelete="CASCADE"),
               primary_key=True),
        Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
    )


reflection_roles_acted = _role_table("reflection_roles_acted")
reflection_roles_asked = _role_table("reflection_roles_asked")

# The structured prompts (DESIGN.md §2), in the order a reflection is written and shown.
PROMPT_FIELDS = (
    "situation",
    "looking_back",
    "dilemma",
    "quality_pitfall",
    "alternatives",
    "intention",
    "lesson",
)


class Reflection(ItemMixin, Base):
    __tablename__ = "reflections"
    search_kind = "reflection"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The file name under content/reflections/ for imported reflections.
    source_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("learning_groups.id", ondelete="SET NULL"), index=True
    )
    context_id: Mapped[int | None] = mapped_column(ForeignKey("terms.id"))
    occurred_on: Mapped[date | None] = mapped_column(Date)
    situation: Mapped[str] = mapped_column(Text, default="")
    looking_back: Mapped[str] = mapped_column(Text, default="")
    dilemma: Mapped[str] = mapped_column(Text, default="")
    quality_pitfall: Mapped[str] = mapped_column(Text, default="")
    alternatives: Mapped[str] = mapped_column(Text, default="")
    intention: Mapped[str] = mapped_column(Text, default="")
    lesson: Mapped[str] = mapped_column(Text, default="")
    switch_from_id: Mapped[str | None] = mapped_column(ForeignKey("roles.id"))
    switch_to_id: Mapped[str | None] = mapped_column(ForeignKey("roles.id"))
    switch_note: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[Case | None] = relationship(back_populates="reflections")
    group: Mapped[LearningGroup | None] = relationship()
    context: Mapped[Term | None] = relationship()
    roles_acted: Mapped[list[Role]] = relationship(
        secondary=reflection_roles_acted, order_by="Role.order"
    )
    roles_asked: Mapped[list[Role]] = relationship(
        secondary=reflection_roles_asked, order_by="Role.order"
    )
    switch_from: Mapped[Role | None] = relationship(foreign_keys=[switch_from_id])
    switch_to: Mapped[Role | None] = relationship(foreign_keys=[switch_to_id])

    @property
    def roles(self) -> list[Role]:
        """Every role the reflection is about: those acted from and those asked for."""
        seen = {role.id: role for role in [*self.roles_acted, *self.roles_asked]}
        return sorted(seen.values(), key=lambda role: role.order)

    @property
    def role_ids(self) -> list[str]:
        return [role.id for role in self.roles]

    def prompts(self) -> list[tuple[str, str]]:
        """(field, text) for each prompt that has been answered, in writing order."""
        return [(name, getattr(self, name)) for name in PROMPT_FIELDS if getattr(self, name)]

    def group_ids(self) -> set[int]:
        return {self.group_id} if self.group_id else set()

    @classmethod
    def groups_condition(cls, group_ids: set[int]) -> ColumnElement[bool]:
        return cls.group_id.in_(group_ids)

    def __repr__(self) -> str:
        return f"<Reflection {self.id} {self.title!r}>"
