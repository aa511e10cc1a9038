"""Learning groups (leergroepen), their sub-themes and members."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base

if TYPE_CHECKING:
    from app.models.user import User

group_members = Table(
    "group_members",
    Base.metadata,
    Column("group_id", ForeignKey("learning_groups.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class LearningGroup(Base):
    __tablename__ = "learning_groups"
    # Never reuse the id of a deleted row: old index entries and group grants name ids.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str | None] = mapped_column(String(64))

    subthemes: Mapped[list[SubTheme]] = relationship(
        back_populates="group", order_by="SubTheme.position", cascade="all, delete-orphan"
    )
    members: Mapped[list[User]] = relationship(secondary=group_members, back_populates="groups")

    def __repr__(self) -> str:
        return f"<LearningGroup {self.slug}>"


class SubTheme(Base):
    """A strand within a learning group, such as Watercoalitie within Leergroep Water."""

    __tablename__ = "subthemes"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("learning_groups.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    group: Mapped[LearningGroup] = relationship(back_populates="subthemes")

    def __repr__(self) -> str:
        return f"<SubTheme {self.slug}>"
