"""Keeps the search index in step with the database by following the change log.

The indexer (`flask search worker`) writes the index; web requests never do. A batch
takes the index's write lock, reads the change-log rows after the index's progress mark,
loads each named item's *current* state (so replaying a row twice does no harm), writes,
commits, and only then moves the mark. A crash anywhere loses nothing: the rows are
still there and the next batch applies them. `flask search sync` runs the same batches,
so running it beside the indexer is safe: the lock puts them one after the other.

A missing or damaged index is rebuilt by the indexer itself rather than waiting for an
operator: the index holds nothing the database does not, a rebuild is built aside and
swapped in, and until then search says it is unavailable while every other page works.
So is an index that is behind the change log's pruned-through id (see nodes.py): it
missed rows that are gone.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.indexer import documents, nodes
from app.indexer.handle import note_if_damaged
from app.indexer.nodes import LogPruned
from app.models import ChangeLog
from app.search import IndexBusy, SearchIndex

log = logging.getLogger(__name__)
MANY_ITEMS = 5_000  # from here on a rebuild uses several writer processes


def apply_changes(index: SearchIndex, batch_size: int = 500) -> int:
    """Apply one batch of the change log; returns how many rows it covered (0: up to date).

    The rows and the items are read while the index's write lock is held, so whichever
    process writes last has also read last: an older state never overwrites a newer one.
    Raises LogPruned when rows the batch should have seen may have been pruned.
    """
    with index.batch() as batch:
        rows = db.session.execute(
            select(ChangeLog.id, ChangeLog.entity, ChangeLog.entity_id)
            .where(ChangeLog.id > batch.applied_through)
            .order_by(ChangeLog.id).limit(batch_size)
        ).all()
        nodes.check_not_pruned(batch.applied_through)
        if rows:
            keys = {(row.entity, row.entity_id) for row in rows}
            upserts, deletes = documents.documents_for(keys)
            batch.write(upserts, deletes, through=rows[-1].id)
    db.session.rollback()  # end the read transaction, so the next batch sees new commits
    return len(rows)


def last_change_id() -> int:
    return db.session.scalar(select(func.coalesce(func.max(ChangeLog.id), 0)))


def rebuild(index: SearchIndex, procs: int | None = None) -> str:
    """A complete new index from the database, swapped in when done.

    The mark is read before the items: anything changed meanwhile has a higher change id
    and is replayed by the indexer onto the new index (harmless if already in it). Several
    writer processes only pay off for many items; a small index is built in one.
    """
    through = last_change_id()
    if procs is None:
        procs = index.rebuild_procs if documents.item_count() >= MANY_ITEMS else 1
    version = index.rebuild(documents.all_documents(), through=through, procs=procs)
    db.session.rollback()
    return version


def _needs_rebuild(index: SearchIndex) -> bool:
    """Missing, outdated or damaged, or behind the pruned log: a node that was stale,
    or started from an old copy of an index, missed rows that are gone."""
    if not index.is_usable():
        return True
    try:
        nodes.check_not_pruned(index.applied_through())
    except LogPruned as gap:
        log.warning("%s: rebuilding the index", gap)
        return True
    return False


def sync(index: SearchIndex, batch_size: int = 500, *, verify: bool = False,
         node: str | None = None) -> int:
    """Apply the change log as it stands now; build the index first when it is missing,
    outdated, damaged or behind the pruned log. `verify` reads the index first (`flask
    search sync` does; the indexer, which syncs twice a second, relies on failing reads).
    The node's registry row (`node`, default INDEX_NODE_NAME) is written after every
    batch and rebuild. Returns the number of change-log rows applied."""
    if verify:
        note_if_damaged(index)
    if _needs_rebuild(index):
        rebuild(index)
        nodes.record(index, node)
    target, applied, repaired = last_change_id(), 0, False
    while index.applied_through() < target:
        before = index.applied_through()
        try:
            applied += apply_changes(index, batch_size)
        except IndexBusy:
            raise
        except LogPruned as gap:   # pruned since the check above: a node back from stale
            log.warning("%s: rebuilding the index", gap)
            rebuild(index)
            continue
        except Exception:
            if repaired or not note_if_damaged(index):
                raise   # a bug, or a disk that damages every index: no endless rebuilding
            rebuild(index)
            repaired = True
            continue
        if index.applied_through() <= before:
            raise RuntimeError("the index's progress mark did not advance")
        nodes.record(index, node)
    return applied


@dataclass
class WorkerSettings:
    poll_seconds: float = 0.5
    batch_size: int = 500
    longest_pause_seconds: float = 30.0
    prune_seconds: float = 0.0    # how often to prune the change log (0: never)


def run_worker(index: SearchIndex, settings: WorkerSettings, stop: threading.Event) -> None:
    """Follow the change log until `stop` is set, keep this node's registry row fresh
    and prune the log now and then (nodes.WorkerChores).

    A failed round (index locked by a rebuild, database busy, a bug) is logged and
    retried with a growing pause; the rows wait in the log meanwhile, so nothing is lost
    and the web keeps serving the last good index.
    """
    pause = settings.poll_seconds
    chores = nodes.WorkerChores(settings.prune_seconds)
    while not stop.is_set():
        try:
            applied = sync(index, settings.batch_size)
            chores.after_round(index, applied)
        except Exception:  # noqa: BLE001 - a daemon must outlive one bad round
            db.session.rollback()
            log.exception("indexing failed; retrying in %.1f s", pause)
            stop.wait(pause)
            pause = min(pause * 2, settings.longest_pause_seconds)
            continue
        pause = settings.poll_seconds
        if not applied:
            stop.wait(settings.poll_seconds)
