"""What cases and reflections share: ownership, status, visibility and timestamps."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from app.models.base import UTCDateTime, utcnow
from app.models.vocabulary import Status, Visibility

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from app.models.user import User


class ItemMixin:
    """A searchable, permission-checked item.

    `access_values` is the single description of an item that the permission rules
    read, whether they run in Python, in SQL (`access_condition`) or in the search index
    (which stores exactly these values), so the three can never disagree.
    """

    search_kind: ClassVar[str]

    status: Mapped[str] = mapped_column(String(20), default=Status.PUBLISHED, index=True)
    visibility: Mapped[str] = mapped_column(String(20), default=Visibility.INTERNAL)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # Set for items that came from content/, so that a re-import can skip unchanged files.
    content_hash: Mapped[str | None] = mapped_column(String(64))
    # Indexed for the lists newest or last changed first (the editors' desk).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow,
                                                 index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # When it last entered the editors' queue: the queue is served oldest first.
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The editor's words to the author when sending it back; cleared on the next submit.
    review_comment: Mapped[str] = mapped_column(Text, default="", server_default="")

    @declared_attr
    def owner(cls) -> Mapped[User | None]:
        return relationship("User")

    @property
    def search_key(self) -> str:
        return f"{self.search_kind}:{self.id}"

    def group_ids(self) -> set[int]:
        raise NotImplementedError

    def access_values(self) -> dict[str, set[str]]:
        return {
            "status": {self.status},
            "visibility": {self.visibility},
            "owner": {str(self.owner_id)} if self.owner_id else set(),
            "groups": {str(group_id) for group_id in self.group_ids()},
        }

    @classmethod
    def groups_condition(cls, group_ids: set[int]) -> ColumnElement[bool]:
        raise NotImplementedError

    @classmethod
    def access_condition(cls, field: str, values: set[str]) -> ColumnElement[bool]:
        if field == "groups":
            return cls.groups_condition({int(value) for value in values})
        if field == "owner":
            return cls.owner_id.in_([int(value) for value in values])
        return getattr(cls, field).in_(values)
