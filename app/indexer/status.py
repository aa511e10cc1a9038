"""What `flask search status` reports about this node's index: its state (read in full,
so that damage is found and noted for the indexer to rebuild), the counts on both
sides, and the backlog."""
from __future__ import annotations

from dataclasses import dataclass

from app.indexer import documents, worker
from app.search import SCHEMA_VERSION, SearchIndex, find_damage
from app.search.index import PROGRESS


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
    return IndexStatus(state, index.is_usable(), documents.item_count(), facts[0], facts[1],
                       worker.last_change_id(), facts[2])
