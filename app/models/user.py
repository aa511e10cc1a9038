"""Local accounts."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.group import group_members
from app.models.vocabulary import SiteRole

if TYPE_CHECKING:
    from app.models.group import LearningGroup


class User(Base):
    """A participant, editor or admin.

    The four attributes at the bottom are the protocol Flask-Login expects; they are
    written out here so that the models do not import Flask.
    """

    __tablename__ = "users"
    # Never reuse the id of a deleted row: old index entries and group grants name ids.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    site_role: Mapped[str] = mapped_column(String(20), default=SiteRole.PARTICIPANT)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    groups: Mapped[list[LearningGroup]] = relationship(
        secondary=group_members, back_populates="members"
    )

    @property
    def is_editor(self) -> bool:
        return self.site_role in (SiteRole.EDITOR, SiteRole.ADMIN)

    @property
    def group_ids(self) -> set[int]:
        return {group.id for group in self.groups}

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """Which account a session is of; whether that session is still alive is for
        its SignIn row to say (services/people/sessions.py)."""
        return str(self.id)

    def __repr__(self) -> str:
        return f"<User {self.email}>"
