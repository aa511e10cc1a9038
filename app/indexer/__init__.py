"""Keeping the search index: the only part of Casusbank that writes it.

The database is the truth; each app node keeps its own index as a replica of it. A save
writes a change-log row in its own transaction (outbox.py); the indexer process follows
the log and writes the index (worker.py, from documents.py); the nodes that share the
log say how far they got, so that it can be pruned (nodes.py); readers open the index
through handle.py, whose `read_or` falls back when there is no sound index; backups
copy and restore it through copies.py; `flask search …` is cli.py. Being the one process
that runs on its own now and then, it also prunes the search log (search_log.py).

Only this package calls the index's write operations (`SearchIndex.batch`, `install`,
`rebuild`, `note_damage`; tests/test_architecture.py holds it to that). Services read
the index through the small API below; the search log's record keeping shares the day
and salt rules of search_log.py.
"""
from __future__ import annotations

from flask import Flask

from app.indexer import outbox
from app.indexer.handle import health_notices, open_index, read_or, unavailable

__all__ = ["health_notices", "read_or", "register_indexer", "unavailable"]


def register_indexer(app: Flask) -> None:
    """Give the app its index handle, and make every flush of a searchable item write its
    change-log row."""
    open_index(app)
    outbox.switch_on()
