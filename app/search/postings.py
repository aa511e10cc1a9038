"""A term's postings read a block at a time, and the field lengths of every document.

Whoosh's matchers hand out one posting per Python call; walking the postings of a
common word in five fields that way took most of a search's time (about 1 µs per
posting just to list the documents, 5 µs to score one). Whoosh stores postings in
blocks of up to 128 (document numbers, term frequencies and positions, pickled);
reading whole blocks costs a fraction of that. This is the only module that knows the
block layout of Whoosh's codec (whoosh-reloaded 2.7.5, pinned);
tests/test_search_package.py compares what it reads with Whoosh's own matchers, so an
upgrade that changes the layout fails there rather than ranking wrongly.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound

# Per index state and process: about 150 bytes a posting (measured: ids, frequencies,
# packed positions, the set of ids), so up to about 40 MB.
POSTINGS_KEPT = 250_000


class Postings:
    """The postings of the terms one search needs, each read once: matching (which
    documents), phrases (where in them) and scoring (how often, in how long a field)
    use the same read. Terms read by earlier searches come from `kept`."""

    def __init__(self, searcher, kept: TermCache | None = None):
        self.reader = searcher.reader()
        self.kept = kept or TermCache()
        self._read: dict[tuple[str, object], _Term] = {}
        self.phrases: dict[tuple, frozenset[int]] = {}   # kept by docsets.phrase_docs

    def _term(self, field: str, text) -> _Term:
        key = (field, text)
        if key not in self._read:
            term = self.kept.get(key)
            if term is None:
                term = read_term(self.reader, field, text)
                self.kept.put(key, term)
            self._read[key] = term
        return self._read[key]

    def term(self, field: str, text) -> _Term:
        """The term's postings: `ids` in document order, `weights`, packed `values`."""
        return self._term(field, text)

    def unpack(self, field: str, value) -> Sequence[int]:
        """The positions in one packed posting value of `field`."""
        return self.reader.schema[field].format.unpack(value)

    def of(self, field: str, text) -> tuple[list[int], list[float]]:
        """(document numbers, term frequencies) of the term, deleted documents included
        (callers intersect with the live documents or the candidates)."""
        term = self._term(field, text)
        return term.ids, term.weights

    def docs(self, field: str, text) -> frozenset[int]:
        term = self._term(field, text)
        if term.docs is None:
            term.docs = frozenset(term.ids)
        return term.docs

    def positions(self, field: str, text, among: frozenset[int]) -> dict[int, Sequence[int]]:
        """Where the term stands in each of the documents `among` that hold it (decoded
        only for those: a common word's other postings are never unpacked)."""
        term = self._term(field, text)
        unpack = self.reader.schema[field].format.unpack   # schema.PackedPositions
        return {doc: unpack(value) for doc, value in zip(term.ids, term.values, strict=True)
                if doc in among}


class _Term:
    __slots__ = ("ids", "weights", "values", "docs")

    def __init__(self):
        self.ids: list[int] = []
        self.weights: list[float] = []
        self.values: list[bytes] = []   # encoded positions, for fields that keep them
        self.docs: frozenset[int] | None = None   # the ids as a set, made when first asked


class TermCache:
    """The postings of the most recently used terms of one index state, up to
    `budget` postings in all. Common words come back in query after query (also as
    the parts of compounds and in phrases), and reading their postings again was
    half of what such a search cost. One state's postings never change, so nothing
    kept can be stale; a new state gets a new cache (docsets.py)."""

    def __init__(self, budget: int = POSTINGS_KEPT):
        self._terms: OrderedDict[tuple[str, object], _Term] = OrderedDict()
        self._size = 0
        self._budget = budget
        self._lock = threading.Lock()

    def get(self, key) -> _Term | None:
        with self._lock:
            term = self._terms.get(key)
            if term is not None:
                self._terms.move_to_end(key)
            return term

    def put(self, key, term: _Term) -> None:
        with self._lock:
            if key in self._terms:
                return
            self._terms[key] = term
            self._size += _cost(term)
            while self._size > self._budget and len(self._terms) > 1:
                _, dropped = self._terms.popitem(last=False)
                self._size -= _cost(dropped)


def _cost(term: _Term) -> int:
    """Postings, plus one for the entry itself: a word that is not in the index costs
    something too, or typing unknown words would grow the cache without end."""
    return len(term.ids) + 1


def read_term(reader, field: str, text, weights: bool = True) -> _Term:
    """Every posting of one term, read a block at a time; with `weights` (frequencies)
    and, where the field keeps them, positions."""
    term = _Term()
    with_positions = weights and reader.schema[field].format.supports("positions")
    for leaf, base in reader.leaf_readers():
        try:
            matcher = leaf.postings(field, text)
        except TermNotFound:
            continue
        if isinstance(matcher, FilterMatcher):  # hides deleted documents one at a time
            matcher = matcher.child
            matcher.reset()                     # it may have stepped past some already
        _read_blocks(matcher, base, term, weights, with_positions)
    return term


def _read_blocks(matcher, base: int, term: _Term, weights: bool,
                 with_positions: bool) -> None:
    if not isinstance(matcher, W3LeafMatcher):   # any other matcher, one posting at a time
        while matcher.is_active():
            term.ids.append(base + matcher.id())
            if weights:
                term.weights.append(matcher.weight())
            if with_positions:
                term.values.append(matcher.value())
            matcher.next()
        return
    while matcher.is_active():
        matcher._read_ids()
        term.ids.extend([base + docnum for docnum in matcher._ids] if base else matcher._ids)
        if weights:
            matcher._read_weights()
            term.weights.extend(matcher._weights)
        if with_positions:
            matcher._read_values()
            term.values.extend(matcher._values)
        matcher._next_block()


def field_length_bytes(reader, field: str) -> bytes:
    """Every document's length in `field` as Whoosh stores it (one byte, a logarithmic
    approximation; whoosh.util.numeric.byte_to_length turns it back into a length),
    indexed by document number."""
    parts = []
    for leaf, _base in reader.leaf_readers():
        count = leaf.doc_count_all()
        column = leaf._perdoc._cached_reader(f"_{field}_len", LENGTHS_COLUMN)
        stored = column._dbfile.get(column._basepos, column._count) if column is not None else b""
        parts.append(stored + bytes(count - len(stored)))   # documents past the end: 0
    return b"".join(parts)

