"""The index in backups: a checked copy of the current version to take along, and, on
restore, the copy installed (or a new index built) and brought up to date.

Backup and restore (services/exchange/backup.py) decide *whether* an index goes along or comes
back; how one is copied, checked, installed or rebuilt is the indexer's business.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from app.indexer import worker
from app.indexer.handle import search_index
from app.search import IndexBusy, IndexMissing, SearchIndex, copy_current_version, find_damage


class NotCopied(Exception):
    """There was no sound index version to copy; the message says why."""


def copy_current(target: Path) -> dict:
    """Copy the current version to `target` (under the index's write lock) and read the
    copy in full; its facts (version, mark, documents). NotCopied when there is no sound
    one: a restore then rebuilds."""
    try:
        facts = copy_current_version(search_index(), target)
    except (IndexMissing, IndexBusy, OSError) as failure:
        raise NotCopied(str(failure)) from None
    problem = find_damage(SearchIndex(target.parent), target.name, thorough=True)
    if problem:
        shutil.rmtree(target)
        raise NotCopied(f"damaged: {problem}")
    return facts


@dataclass
class RestoredIndex:
    installed: str | None   # the version installed from the backup (None: built anew)
    current: str | None     # the version in use after catching up
    applied: int            # change-log rows replayed onto it


def restore(folder: Path | None) -> RestoredIndex:
    """Install the backed-up version in `folder`, or build a new index when there is
    none to use, then replay the changes since (rebuilding one of an older schema)."""
    index = search_index()
    installed = index.install(folder) if folder is not None else None
    if installed is None:   # an index this instance had before belongs to another database
        worker.rebuild(index)
    applied = worker.sync(index, verify=True)
    return RestoredIndex(installed, index.current_version(), applied)
