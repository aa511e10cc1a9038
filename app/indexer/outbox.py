"""The outbox: a change-log row for every searchable item a flush writes, in the same
transaction, so the row commits or rolls back together with the change itself.

Switched on by `register_indexer(app)` in the app factory (`switch_on`), not by importing
a module: the listeners hang on every SQLAlchemy session, and who installs them should be
visible where the app is put together.
"""
from __future__ import annotations

from sqlalchemy import event, insert, text
from sqlalchemy.orm import Session

from app.models import ChangeLog, ItemMixin, utcnow
from app.models.changelog import DELETE, UPSERT

# Any fixed number: the key of the PostgreSQL advisory lock that orders change-log writers.
COMMIT_ORDER_LOCK = 0x43415355


def switch_on() -> None:
    """Install the two session listeners, once however many apps are made (the tests
    make hundreds in one process)."""
    for name, listener in (("before_flush", _in_commit_order),
                           ("after_flush", _record_changes)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


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


def _record_changes(session: Session, flush_context) -> None:
    """After the flush ids exist, and the pre-flush new/dirty/deleted sets are still there."""
    rows = _changes(session)
    if rows:
        now = utcnow()
        session.connection().execute(
            insert(ChangeLog.__table__), [{**row, "created_at": now} for row in rows]
        )
