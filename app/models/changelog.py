"""The change log: the outbox that keeps the search index a faithful replica.

Every flush that inserts, changes or deletes a searchable item writes a row here through
the same connection, so the row commits or rolls back together with the change itself.
The indexer reads the rows in id order; that is the whole contract between them.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, event, insert, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.models.base import Base, UTCDateTime, utcnow
from app.models.item import ItemMixin

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


def _changes(session: Session) -> list[dict]:
    rows = []
    for obj in session.new:
        if isinstance(obj, ItemMixin):
            rows.append({"entity": obj.search_kind, "entity_id": obj.id, "op": UPSERT})
    for obj in session.dirty:
        if isinstance(obj, ItemMixin) and session.is_modified(obj):
            rows.append({"entity": obj.search_kind, "entity_id": obj.id, "op": UPSERT})
    for obj in session.deleted:
        if isinstance(obj, ItemMixin):
            rows.append({"entity": obj.search_kind, "entity_id": obj.id, "op": DELETE})
    return rows


# Any fixed number: the key of the PostgreSQL advisory lock that orders change-log writers.
COMMIT_ORDER_LOCK = 0x43415355


@event.listens_for(Session, "before_flush")
def _in_commit_order(session: Session, flush_context, instances) -> None:
    """PostgreSQL hands out ids when a row is inserted, not when it commits: a save that
    took id 10 may commit after one that took id 11, and an indexer that had read 11
    would skip 10 for good. Before a flush that writes searchable items, the transaction
    takes one advisory lock, held until it commits or rolls back, so such transactions
    take their ids and commit one after another, as SQLite's single write lock makes
    them do. Taken before the items are written, so no row lock is held while waiting."""
    if session.get_bind().dialect.name != "postgresql" or not any(
            isinstance(obj, ItemMixin) for obj in (*session.new, *session.dirty, *session.deleted)):
        return
    session.connection().execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                 {"key": COMMIT_ORDER_LOCK})


@event.listens_for(Session, "after_flush")
def _record_changes(session: Session, flush_context) -> None:
    """After the flush ids exist, and the pre-flush new/dirty/deleted sets are still there."""
    rows = _changes(session)
    if rows:
        now = utcnow()
        session.connection().execute(
            insert(ChangeLog.__table__), [{**row, "created_at": now} for row in rows]
        )
