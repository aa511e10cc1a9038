"""The baseline: SQLite FTS5 over the same fields, as a plain database would do it."""
from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable

from bench.corpus import Document

# Title and summary count as much more than the body as in Casusbank's own schema.
WEIGHTS = (3.0, 2.0, 1.0)


class Fts5:
    def __init__(self, documents: Iterable[Document],
                 analyse: Callable[[str], str] | None = None,
                 tokenizer: str = "unicode61 remove_diacritics 2"):
        """`analyse`, when given, rewrites text and queries first (e.g. Dutch stemming)."""
        self.analyse = analyse or (lambda text: text)
        self.connection = sqlite3.connect(":memory:")
        self.connection.execute(
            f"CREATE VIRTUAL TABLE docs USING fts5(doc_id UNINDEXED, title, summary, body, "
            f"tokenize = '{tokenizer}')")
        self.connection.executemany(
            "INSERT INTO docs VALUES (?, ?, ?, ?)",
            ((d.id, self.analyse(d.title), self.analyse(d.summary), self.analyse(d.body))
             for d in documents))
        self.connection.commit()

    def match_expression(self, text: str) -> str:
        """Every word of the query as a quoted term, OR-ed: no query syntax can break it."""
        words = re.findall(r"\w+", self.analyse(text))
        return " OR ".join(f'"{word}"' for word in words)

    def count(self, text: str) -> int:
        """How many documents the query matches at all: what a reader could page through."""
        expression = self.match_expression(text)
        if not expression:
            return 0
        return self.connection.execute("SELECT count(*) FROM docs WHERE docs MATCH ?",
                                       (expression,)).fetchone()[0]

    def search(self, text: str, limit: int = 100) -> list[tuple[str, float]]:
        expression = self.match_expression(text)
        if not expression:
            return []
        rows = self.connection.execute(
            "SELECT doc_id, -bm25(docs, ?, ?, ?) AS score FROM docs WHERE docs MATCH ? "
            "ORDER BY score DESC LIMIT ?", (*WEIGHTS, expression, limit))
        return [(doc_id, score) for doc_id, score in rows]
