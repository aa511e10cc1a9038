"""Opening the index for readers: this process's handle and searcher, `read_or`, and
what the results may lack.

The index is a replica that can go missing or be damaged under a running app (a folder
deleted, a file truncated). Searching then says so instead of failing: a damaged
version is noted (see SearchIndex.note_damage), every worker stops using it, and the
indexer rebuilds it. Every other page keeps working, only without "similar cases".
"""
from __future__ import annotations

import logging

from flask import Flask, current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models import ChangeLog, utcnow
from app.search import IndexMissing, SearcherCache, SearchIndex, find_damage

log = logging.getLogger(__name__)
BEHIND_AFTER_SECONDS = 10   # older unindexed changes make the page say results lag behind
INDEX = "casusbank.search_index"
SEARCHERS = "casusbank.searchers"


def open_index(app: Flask) -> None:
    """One index handle and one searcher cache per app; searchers open lazily, after fork."""
    index = SearchIndex(app.config["SEARCH_INDEX_DIR"],
                        rebuild_procs=app.config["SEARCH_REBUILD_PROCS"],
                        rebuild_memory_mb=app.config["SEARCH_REBUILD_MEMORY_MB"])
    app.extensions[INDEX] = index
    app.extensions[SEARCHERS] = SearcherCache(index)


def search_index() -> SearchIndex:
    return current_app.extensions[INDEX]


def searchers() -> SearcherCache:
    return current_app.extensions[SEARCHERS]


def note_if_damaged(index: SearchIndex) -> bool:
    """After a failed read or write: is the current version itself unreadable? Then say
    so on disk, so that searches stop using it and the next sync rebuilds it."""
    version = index.current_version()
    problem = find_damage(index, version) if version else None
    if problem:
        log.error("search index %s is damaged (%s); it will be rebuilt", version, problem)
        index.note_damage(version, problem)
    return problem is not None


def open_searcher():
    """This worker's searcher, or None when there is no usable index (callers say so or
    do without). A searcher that fails to open because the index is damaged gets the
    index noted as damaged; a failure on a sound index is a bug and is raised."""
    cache = searchers()
    try:
        return cache.searcher()
    except Exception:  # noqa: BLE001 - decided below: damage, or raised again
        if note_if_damaged(search_index()):
            return None
        return cache.searcher()  # opened while a rebuild swapped versions: once more


def read_or(fallback, read):
    """`read(searcher)` with this worker's searcher; `fallback` when there is no usable
    index, or when it proves damaged (then noted).

    A failure on a sound index is tried once more with a fresh searcher: Whoosh opens a
    segment's column files only when they are first read, and the indexer's commit may
    have merged that segment away and deleted its files in between (about one search in
    3,000 under the load bench). A second failure is a bug and is raised.
    """
    for attempt in range(2):
        searcher = open_searcher()
        if searcher is None:
            return fallback
        try:
            return read(searcher)
        except Exception:  # noqa: BLE001 - decided below: damage, a vanished segment, a bug
            if note_if_damaged(search_index()):
                return fallback
            if attempt:
                raise
            searchers().renew()
    raise AssertionError("unreachable")


def unavailable() -> tuple[str, dict]:
    """Why there are no results at all: the index is being rebuilt right now, or it is
    missing or damaged (and the indexer will rebuild it)."""
    return ("index_being_rebuilt", {}) if search_index().rebuilding() else ("index_not_ready", {})


def health_notices() -> list[tuple[str, dict]]:
    """What the results may lack: a rebuild under way, or changes not indexed yet."""
    index = search_index()
    if index.rebuilding():
        return [("index_rebuilding", {})]
    try:
        through = index.applied_through()
    except (IndexMissing, OSError, ValueError, KeyError):
        return []  # deleted since this search ran: the next search says so
    count, oldest = db.session.execute(
        select(func.count(), func.min(ChangeLog.created_at))
        .where(ChangeLog.id > through)).one()
    if count and (utcnow() - oldest).total_seconds() > BEHIND_AFTER_SECONDS:
        return [("index_behind", {"count": count})]
    return []
