"""The speed baseline: SQLite FTS5 on the same articles and queries.

Text and queries are stemmed by the same Dutch stemmer in Python first (FTS5 has none),
facets are GROUP BY counts over the hits, and the top three hits get snippet()s.
"""
from __future__ import annotations

import re
import sqlite3
import tempfile
import time
from pathlib import Path

from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.support.charset import accent_map

from app.search.analysis import STOP_WORDS, UndoubleFilter, fold

FACETS = ("category", "year", "role")
ROLES = ("rechtmatig", "presterend", "netwerkend", "responsief")


def _stemmer():
    return (RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)
            | StopFilter(stoplist=STOP_WORDS) | StemFilter(lang="nl") | UndoubleFilter())


class Fts5Bench:
    def __init__(self, docs):
        self.docs = docs
        self.stem = _stemmer()
        self.folder = tempfile.TemporaryDirectory()
        self.path = Path(self.folder.name) / "fts5.sqlite"

    def _stemmed(self, text: str) -> str:
        return " ".join(token.text for token in self.stem(text))

    def build(self) -> float:
        connection = sqlite3.connect(self.path)
        connection.executescript(
            "CREATE VIRTUAL TABLE docs USING fts5(title, body, "
            "tokenize = 'unicode61 remove_diacritics 2');"
            "CREATE TABLE meta (rowid INTEGER PRIMARY KEY, category TEXT, year INTEGER, "
            "role TEXT);")
        started = time.perf_counter()
        for number, doc in enumerate(self.docs, 1):
            connection.execute("INSERT INTO docs (rowid, title, body) VALUES (?, ?, ?)",
                               (number, self._stemmed(doc.title), self._stemmed(doc.body)))
            connection.execute("INSERT INTO meta VALUES (?, ?, ?, ?)",
                               (number, doc.category, doc.year, ROLES[number % 4]))
        connection.commit()
        seconds = time.perf_counter() - started
        self.connection = connection
        return seconds

    def match(self, text: str) -> str:
        """The query mix in FTS5 syntax: words stemmed, EN -> AND, quotes kept, prefix*."""
        if text.startswith('"'):
            return f'"{self._stemmed(text)}"'
        if text.endswith("*"):
            return f"{fold(text[:-1])}*"
        parts = [self._stemmed(part) for part in re.split(r"\s+EN\s+", text)]
        return " AND ".join(f'"{part}"' for part in parts if part) or '""'

    def search(self, text: str, role: str | None) -> None:
        """Top three with snippets, the total, and the facet counts (no suggestions:
        FTS5 has no spelling correction)."""
        role_join = " AND m.role = ?" if role else ""
        where = f"FROM docs d JOIN meta m ON m.rowid = d.rowid{role_join} WHERE docs MATCH ?"
        arguments = [*([role] if role else []), self.match(text)]
        self.connection.execute(
            f"SELECT d.rowid, snippet(docs, 1, '<mark>', '</mark>', '…', 20) {where} "
            "ORDER BY rank LIMIT 3", arguments).fetchall()
        self.connection.execute(f"SELECT count(*) {where}", arguments).fetchone()
        for facet in FACETS:
            self.connection.execute(
                f"SELECT m.{facet}, count(*) FROM meta m WHERE m.rowid IN "
                f"(SELECT d.rowid {where}) GROUP BY 1", arguments).fetchall()

    def measure(self, mix) -> dict:
        from bench.speed import by_kind, percentiles

        seconds = self.build()
        timings = []
        for _, text, chosen in mix:
            started = time.perf_counter()
            self.search(text, (chosen.get("rol") or [None])[0])
            timings.append(time.perf_counter() - started)
        search = percentiles(timings)
        self.connection.close()
        figures = {"rebuild_docs_per_s": round(len(self.docs) / seconds, 1),
                   "index_mb": round(self.path.stat().st_size / 2**20, 1),
                   "search_p50_ms": search["p50"], "search_p95_ms": search["p95"],
                   "search_p99_ms": search["p99"], "search_by_kind": by_kind(mix, timings)}
        self.folder.cleanup()
        return figures
