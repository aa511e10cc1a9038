"""The change log: the outbox that keeps the search index a faithful replica.

Once the app factory has switched the outbox on (app/indexer/outbox.py), every flush that
inserts, changes or deletes a searchable item writes a row here through the same
connection, so the row commits or rolls back together with the change itself;
app/indexer/worker.py applies them in id order.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow

UPSERT = "upsert"
DELETE = "delete"


class ChangeLog(Base):
    __tablename__ = "change_log"
    # AUTOINCREMENT stops SQLite from reusing the ids of pruned rows, which would make an
    # indexer that already passed them skip the new changes.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int]
    op: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
