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
So is an index that is behind the change log's pruned-through id (see index_nodes): it
missed rows that are gone.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Case, ChangeLog, ItemMixin, Reflection
from app.search import LEAD_WORDS, SCHEMA_VERSION, IndexBusy, SearchIndex, find_damage
from app.search.index import PROGRESS
from app.services import index_nodes
from app.services.index_nodes import LogPruned

log = logging.getLogger(__name__)
MANY_ITEMS = 5_000  # from here on a rebuild uses several writer processes
MODELS: dict[str, type[ItemMixin]] = {"case": Case, "reflection": Reflection}
# Everything document_for reads, loaded in one query per relation instead of one per item.
LOAD_OPTIONS = {
    Case: (selectinload(Case.roles), selectinload(Case.groups), selectinload(Case.policy_domain)),
    Reflection: (selectinload(Reflection.roles_acted), selectinload(Reflection.roles_asked)),
}


def search_index() -> SearchIndex:
    return current_app.extensions["casusbank.search_index"]


def _years(item: ItemMixin) -> list[int]:
    """The years an item is about: a case's whole span (to this year while it runs), a
    reflection's date."""
    if isinstance(item, Reflection):
        return [item.occurred_on.year] if item.occurred_on else []
    return list(item.years(date.today().year))


def _texts(item: ItemMixin) -> dict[str, str]:
    if isinstance(item, Case):
        title, summary = item.title, item.summary
        body = "\n".join(filter(None, [item.body_text, item.dilemma]))
    else:
        prompts = [text for _name, text in item.prompts()]
        title, summary = item.title, prompts[0] if prompts else ""
        body = "\n".join(filter(None, [*prompts[1:], item.switch_note]))
    lead = " ".join((body or summary).split()[:LEAD_WORDS])
    return {"title": title, "summary": summary, "body": body, "lead": lead,
            "exact": "\n".join([title, summary, body])}


def document_for(item: ItemMixin) -> dict:
    """The search document of a case or reflection: its text, what it may be filtered and
    counted on, and the access values the permission filter reads."""
    is_case = isinstance(item, Case)
    domain = item.policy_domain.slug if is_case and item.policy_domain else ""
    access = {field: ",".join(sorted(values)) for field, values in item.access_values().items()}
    return {
        "key": item.search_key, "kind": item.search_kind,
        "ref": item.slug if is_case else str(item.id),
        "roles": ",".join(item.role_ids), "domain": domain,
        "organisation": item.organisation if is_case else "",
        "years": ",".join(map(str, _years(item))),
        "published": item.published_at or item.created_at, "updated": item.updated_at,
        **_texts(item), **access,
    }


def _documents_for(keys: set[tuple[str, int]]) -> tuple[list[dict], list[str]]:
    """Upserts for the items that exist, deletes for those that no longer do."""
    upserts, deletes = [], []
    for kind, model in MODELS.items():
        ids = {item_id for entity, item_id in keys if entity == kind}
        items = select(model).where(model.id.in_(ids)).options(*LOAD_OPTIONS[model])
        found = {item.id: item for item in db.session.scalars(items)} if ids else {}
        upserts += [document_for(item) for item in found.values()]
        deletes += [f"{kind}:{item_id}" for item_id in ids - found.keys()]
    return upserts, deletes


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
        index_nodes.check_not_pruned(batch.applied_through)
        if rows:
            upserts, deletes = _documents_for({(row.entity, row.entity_id) for row in rows})
            batch.write(upserts, deletes, through=rows[-1].id)
    db.session.rollback()  # end the read transaction, so the next batch sees new commits
    return len(rows)


def _all_documents() -> Iterator[dict]:
    for model in MODELS.values():
        items = select(model).order_by(model.id).options(*LOAD_OPTIONS[model])
        for item in db.session.scalars(items.execution_options(yield_per=500)):
            yield document_for(item)


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
        procs = index.rebuild_procs if _item_count() >= MANY_ITEMS else 1
    version = index.rebuild(_all_documents(), through=through, procs=procs)
    db.session.rollback()
    return version


def _item_count() -> int:
    return sum(db.session.scalar(select(func.count()).select_from(model))
               for model in MODELS.values())


def note_if_damaged(index: SearchIndex) -> bool:
    """After a failed read or write: is the current version itself unreadable? Then say
    so on disk, so that searches stop using it and the next sync rebuilds it."""
    version = index.current_version()
    problem = find_damage(index, version) if version else None
    if problem:
        log.error("search index %s is damaged (%s); it will be rebuilt", version, problem)
        index.note_damage(version, problem)
    return problem is not None


def _needs_rebuild(index: SearchIndex) -> bool:
    """Missing, outdated or damaged, or behind the pruned log: a node that was stale,
    or started from an old copy of an index, missed rows that are gone."""
    if not index.is_usable():
        return True
    try:
        index_nodes.check_not_pruned(index.applied_through())
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
        index_nodes.record(index, node)
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
        index_nodes.record(index, node)
    return applied


@dataclass
class WorkerSettings:
    poll_seconds: float = 0.5
    batch_size: int = 500
    longest_pause_seconds: float = 30.0
    prune_seconds: float = 0.0    # how often to prune the change log (0: never)


def run_worker(index: SearchIndex, settings: WorkerSettings, stop: threading.Event) -> None:
    """Follow the change log until `stop` is set, keep this node's registry row fresh
    and prune the log now and then (index_nodes.WorkerChores).

    A failed round (index locked by a rebuild, database busy, a bug) is logged and
    retried with a growing pause; the rows wait in the log meanwhile, so nothing is lost
    and the web keeps serving the last good index.
    """
    pause = settings.poll_seconds
    chores = index_nodes.WorkerChores(settings.prune_seconds)
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


@dataclass
class IndexStatus:
    state: str      # ok, missing, outdated, rebuilding, or "damaged: why"
    usable: bool
    database_items: int
    index_documents: int | None
    applied_through: int | None
    last_change: int
    size_bytes: int | None

    @property
    def backlog(self) -> int:
        return self.last_change - (self.applied_through or 0)


def _state(index: SearchIndex) -> str:
    """Damage found here is noted too, so that the indexer rebuilds the index."""
    version = index.current_version()
    if version is None:
        return "rebuilding" if index.rebuilding() else "missing"
    try:
        schema = index.progress()["schema"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        return f"damaged: unreadable {PROGRESS} ({error})"
    problem = index.damage() or find_damage(index, version, thorough=True)
    if problem:
        index.note_damage(version, problem)
        return f"damaged: {problem}"
    return "ok" if schema == SCHEMA_VERSION else "outdated"


def status(index: SearchIndex) -> IndexStatus:
    """What `flask search status` shows; reads the whole index to find damage."""
    state = _state(index)
    facts: tuple = (None, None, None)
    if state in ("ok", "outdated"):
        facts = (index.document_count(), index.applied_through(), index.size_bytes())
    return IndexStatus(state, index.is_usable(), _item_count(), facts[0], facts[1],
                       last_change_id(), facts[2])
