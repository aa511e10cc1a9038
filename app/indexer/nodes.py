"""Several app nodes, each with its own index, following one change log: who got how far,
and pruning what all of them have applied.

Every node's indexer records its index's progress mark in its own `IndexNode` row after
each batch it applies, and on idle rounds at most every HEARTBEAT_SECONDS (a poll twice a
second must not become a write twice a second). Pruning deletes the change-log rows
that every node seen within INDEX_NODE_STALE_HOURS has applied; a node silent for longer
stops holding the log back, and when it comes back its index is behind the pruned-through
id (`ChangeLogHorizon`) and it rebuilds instead of silently skipping the rows that went.

The registry is bookkeeping, never the truth about an index: the gap check compares the
index's own mark (progress.json) with the horizon, so a registry row that is out of date
(a restored index, a copied folder) can cost a rebuild but never a lost change.
"""
from __future__ import annotations

import hmac
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.indexer import search_log
from app.models import ChangeLog, ChangeLogHorizon, IndexNode, utcnow
from app.models.index_node import HORIZON_ROW
from app.search import SearchIndex

log = logging.getLogger(__name__)
# seen_at only has to be much finer than the staleness window (hours); every 5 s keeps
# "seen 3 s ago" in `flask search status` meaningful at one write per 10 polls.
HEARTBEAT_SECONDS = 5.0
# A node seen more recently than this is taken to be running (twelve heartbeats).
RUNNING_SECONDS = 60.0
# Rows deleted per transaction: on SQLite a delete holds the one write lock, and the first
# prune of a log that grew for years must not make web saves wait for it.
PRUNE_CHUNK = 10_000


class LogPruned(RuntimeError):
    """Rows this index had not applied yet were pruned: only a rebuild can catch up."""


def node_name() -> str:
    return current_app.config["INDEX_NODE_NAME"]


def pruned_through() -> int:
    """The id through which the change log has been pruned (0: never)."""
    return db.session.scalar(select(func.coalesce(func.max(ChangeLogHorizon.pruned_through),
                                                  0)))


def check_not_pruned(applied_through: int) -> None:
    """Raise LogPruned when rows after `applied_through` may be gone. Read *after* the rows
    a batch applies: pruning deletes and moves the horizon in one transaction, so either
    the rows were read before they went or the horizon read after shows that they went."""
    horizon = pruned_through()
    if applied_through < horizon:
        raise LogPruned(f"the index is at change {applied_through}, but the change log has "
                        f"been pruned through {horizon}")


def _upsert(table, key: dict, values: dict) -> None:
    """Update the row, or insert it when there is none; portable Core, no dialect's own
    ON CONFLICT. Should another process insert the same row first (the worker and a
    `flask search sync` of one node), the insert fails and the update is tried again."""
    for _attempt in range(2):
        try:
            where = [table.c[name] == value for name, value in key.items()]
            if db.session.execute(update(table).where(*where).values(**values)).rowcount == 0:
                db.session.execute(insert(table).values(**key, **values))
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()
    raise RuntimeError(f"could not record {key} in {table.name}")


def key_fingerprint() -> str:
    """A fingerprint of this node's SECRET_KEY, so that the nodes can be compared without
    any of them storing the key: an HMAC of a fixed text under it, cut to 64 bits.

    Nodes that sign with different keys refuse each other's sessions and CSRF tokens,
    which people only notice as being signed out, or losing a form, whenever the load
    balancer sends them to another node; `flask search status` names such a node."""
    key = current_app.config["SECRET_KEY"]
    key = key if isinstance(key, bytes) else key.encode()
    return hmac.new(key, b"casusbank: one signing key on every node", "sha256").hexdigest()[:16]


def record(index: SearchIndex, node: str | None = None) -> None:
    """Write this node's row: its index's mark and version and its key's fingerprint,
    seen now. Its own row only."""
    _upsert(IndexNode.__table__, {"name": node or node_name()},
            {"applied_through": index.applied_through(),
             "index_version": index.current_version(),
             "key_fingerprint": key_fingerprint(), "seen_at": utcnow()})


class NodeStillRunning(RuntimeError):
    """Forgetting this node would last only until its running indexer's next heartbeat."""


def forget(name: str, force: bool = False) -> bool:
    """Take a node that is gone for good off the registry, so that pruning stops waiting
    for it now instead of after INDEX_NODE_STALE_HOURS, and status stops listing it. Safe
    should it come back after all: its indexer registers it again, and its index's own
    mark, not this row, decides whether it must rebuild. False: no such node.

    A node seen within RUNNING_SECONDS is refused unless `force` (it was just stopped)."""
    seen_at = db.session.scalar(select(IndexNode.seen_at).where(IndexNode.name == name))
    if seen_at is None:
        db.session.rollback()
        return False
    seconds = (utcnow() - seen_at).total_seconds()
    if seconds < RUNNING_SECONDS and not force:
        db.session.rollback()
        raise NodeStillRunning(
            f"index node {name} was seen {seconds:.0f} s ago, so its indexer seems to run "
            f"and would register it again within {HEARTBEAT_SECONDS:.0f} s; stop it first, "
            "or use --force if it has just been stopped")
    db.session.execute(delete(IndexNode).where(IndexNode.name == name))
    db.session.commit()
    return True


def node_names() -> list[str]:
    """The registered nodes' names, to say which ones there are when a name is wrong."""
    names = list(db.session.scalars(select(IndexNode.name).order_by(IndexNode.name)))
    db.session.rollback()
    return names


@dataclass
class PruneReport:
    deleted: int
    pruned_through: int          # after this prune
    slowest: str | None          # the fresh node that holds the log back (None: no nodes)
    slowest_through: int         # how far that node got
    fresh: int                   # nodes seen within the window
    stale: int                   # nodes silent for longer, which hold nothing back

    def summary(self) -> str:
        if self.slowest is None:
            return (f"no index node seen within the staleness window ({self.stale} stale): "
                    f"nothing pruned; pruned through {self.pruned_through}")
        return (f"pruned {self.deleted} change-log row(s); pruned through "
                f"{self.pruned_through}; slowest node {self.slowest} at "
                f"{self.slowest_through} ({self.fresh} node(s) counted, "
                f"{self.stale} stale ignored)")


def _stale_before(stale_hours: float | None) -> datetime:
    hours = current_app.config["INDEX_NODE_STALE_HOURS"] if stale_hours is None else stale_hours
    return utcnow() - timedelta(hours=hours)


def _nodes():
    """(name, applied_through, seen_at, index_version, key_fingerprint) rows: plain values,
    which outlive the commits and rollbacks that follow (ORM objects would expire and
    reload)."""
    return db.session.execute(
        select(IndexNode.name, IndexNode.applied_through, IndexNode.seen_at,
               IndexNode.index_version, IndexNode.key_fingerprint)
        .order_by(IndexNode.applied_through, IndexNode.name)
    ).all()


def prune_change_log(stale_hours: float | None = None) -> PruneReport:
    """Delete the change-log rows every fresh node has applied, in chunks, and record how
    far. The newest row always stays: max(id) is "the last change" that status, rebuilds
    and backups read, and must not fall back to 0 when everyone is up to date."""
    cutoff, nodes = _stale_before(stale_hours), _nodes()
    fresh = [node for node in nodes if node.seen_at >= cutoff]
    slowest = fresh[0] if fresh else None
    report = PruneReport(0, pruned_through(), slowest and slowest.name,
                         slowest.applied_through if slowest else 0, len(fresh),
                         len(nodes) - len(fresh))
    if slowest:
        newest = db.session.scalar(select(func.coalesce(func.max(ChangeLog.id), 0)))
        target = min(slowest.applied_through, newest - 1)
        while report.pruned_through < target:
            report.deleted += _prune_chunk(report.pruned_through, target)
            report.pruned_through = pruned_through()
    db.session.rollback()
    return report


def _prune_chunk(after: int, target: int) -> int:
    """One transaction: delete up to PRUNE_CHUNK rows up to `target`, move the horizon.
    Two nodes pruning at once may both insert the first horizon row; the loser's chunk
    is rolled back and its loop goes on from the winner's horizon."""
    chunk_end = db.session.scalar(
        select(ChangeLog.id).where(ChangeLog.id > after, ChangeLog.id <= target)
        .order_by(ChangeLog.id).offset(PRUNE_CHUNK - 1).limit(1)) or target
    table = ChangeLogHorizon.__table__
    try:
        deleted = db.session.execute(delete(ChangeLog).where(ChangeLog.id <= chunk_end)
                                     ).rowcount
        moved = db.session.execute(update(table).where(table.c.id == HORIZON_ROW,
                                                       table.c.pruned_through < chunk_end)
                                   .values(pruned_through=chunk_end, pruned_at=utcnow()))
        if moved.rowcount == 0 and pruned_through() == 0:
            db.session.execute(insert(table).values(id=HORIZON_ROW, pruned_through=chunk_end,
                                                    pruned_at=utcnow()))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return 0
    return deleted


class WorkerChores:
    """The indexer's bookkeeping beside applying: say the node is alive when a round
    applied nothing (a batch already said so), and prune every `prune_seconds` (0: never;
    the first prune after one interval, once the other nodes had time to check in): the
    change log, and the search log's old counts and past salts (search_log.py)."""

    def __init__(self, prune_seconds: float, clock=time.monotonic):
        self.clock = clock
        self.prune_seconds = prune_seconds
        self.seen_due = 0.0
        self.prune_due = clock() + prune_seconds

    def after_round(self, index: SearchIndex, applied: int) -> None:
        now = self.clock()
        if not applied and now >= self.seen_due:
            record(index)
        if applied or now >= self.seen_due:   # a batch recorded the node itself
            self.seen_due = now + HEARTBEAT_SECONDS
        if self.prune_seconds and now >= self.prune_due:
            self.prune_due = now + self.prune_seconds
            report = prune_change_log()
            if report.deleted:
                log.info("%s", report.summary())
            forgotten = search_log.prune_search_log()
            if forgotten.counts or forgotten.salts:
                log.info("%s", forgotten.summary())


@dataclass
class NodeState:
    name: str
    applied_through: int
    backlog: int
    seen_seconds: float
    stale: bool
    index_version: str | None
    same_key: bool | None        # signs with this node's SECRET_KEY (None: not known yet)


def node_states(last_change: int) -> list[NodeState]:
    """Every registered node by name, for `flask search status`; stale ones are marked."""
    now, cutoff, nodes, mine = utcnow(), _stale_before(None), _nodes(), key_fingerprint()
    db.session.rollback()
    return [NodeState(node.name, node.applied_through,
                      max(last_change - node.applied_through, 0),
                      (now - node.seen_at).total_seconds(), node.seen_at < cutoff,
                      node.index_version,
                      None if node.key_fingerprint is None
                      else node.key_fingerprint == mine)
            for node in sorted(nodes, key=lambda node: node.name)]
