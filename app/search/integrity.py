"""Is an index version readable, and a consistent copy of one for a backup.

Whoosh keeps no checksums, so the only test of a version is to read it. A light check
opens the table of contents and every segment's term and column files and reads a
document at each end of each segment: enough to catch a deleted or garbled file, cheap
enough for a web request that has just seen a search fail. A thorough one (for
`flask search status`) reads every stored document and every term.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from whoosh.util import filelock

from app.search.index import PROGRESS, IndexBusy, IndexMissing, SearchIndex

NOT_COPIED = shutil.ignore_patterns("*WRITELOCK", "*.tmp", ".*")  # lock, pool files, drafts


def find_damage(index: SearchIndex, version: str | None = None, *, thorough: bool = False
          ) -> str | None:
    """Why `version` (default: the current one) cannot be read, or None when it can."""
    version = version or index.current_version()
    if version is None:
        return "there is no current version"
    try:
        with index.open(version).searcher() as searcher:
            for leaf, _offset in searcher.reader().leaf_readers():
                _read(leaf, thorough)
    except Exception as error:  # noqa: BLE001 - whatever reading raised is the answer
        return f"{type(error).__name__}: {error}"[:300]
    return None


def _read(leaf, thorough: bool) -> None:
    last = leaf.doc_count_all() - 1
    if thorough:
        for _fields in leaf.all_stored_fields():
            pass
        for _term in leaf.all_terms():
            pass
    elif last >= 0:
        leaf.stored_fields(0)
        leaf.stored_fields(last)
        next(iter(leaf.all_terms()), None)


def copy_current_version(index: SearchIndex, target: Path, timeout: float = 30.0) -> dict:
    """Copy the current version to `target` (which must not exist) while holding its
    write lock, so the indexer cannot commit halfway through the copy. Returns
    {"version", "schema", "applied_through"} of the copy.

    A rebuild swapping in a new version meanwhile does no harm: it leaves this version
    on disk (the one before the current one is kept) and never writes to it.
    """
    version = index.current_version()
    if version is None:
        raise IndexMissing(str(index.root))
    lock = index.open(version).lock("WRITELOCK")
    if not filelock.try_for(lock.acquire, timeout=timeout, delay=0.1):
        raise IndexBusy(f"{version} stayed locked for {timeout} s")
    try:
        shutil.copytree(index.root / version, target, ignore=NOT_COPIED)
    finally:
        lock.release()
    progress = json.loads((target / PROGRESS).read_text(encoding="utf-8"))
    return {"version": version, **progress}
