"""A term's postings read a block at a time, and the field lengths of every document.

Whoosh's matchers hand out one posting per Python call; walking the postings of a
common word in five fields that way took most of a search's time (about 1 µs per
posting just to list the documents, 5 µs to score one). Postings are stored in blocks
of up to 128 (document numbers, term frequencies and positions; blocks.py packs them);
reading whole blocks costs a fraction of that. This is the only module that knows the
block walk of Whoosh's matchers (whoosh-reloaded 2.7.5, pinned; blocks.py knows what
a block holds); tests/test_search_package.py compares what it reads with Whoosh's own
matchers and codec, so an upgrade that changes either fails there rather than ranking
wrongly.
"""
from __future__ import annotations

import threading
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Sequence
from itertools import accumulate

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound

from app.search.blocks import PackedLeafMatcher, split_values, value_in

# Per cache: about 100 bytes a posting (measured at 50,000 articles: 8 for the id and
# frequency, the packed positions, most of the rest the set of ids), so up to 25 MB. A
# state keeps its joined terms in one, the process each segment's in another
# (docsets.SEGMENT_POSTINGS_KEPT); a term of one segment is the same object in both, and
# a joined term holds on to its segments' parts for the next state to take over.
POSTINGS_KEPT = 250_000
# Per index state and process: the documents of checked phrases, up to this many in all.
PHRASE_DOCS_KEPT = 200_000


class Postings:
    """The postings of the terms one search needs, each read once: matching (which
    documents), phrases (where in them) and scoring (how often, in how long a field)
    use the same read. Terms read by earlier searches come from `kept`."""

    def __init__(self, searcher, kept: TermCache | None = None,
                 segments: TermCache | None = None, phrases: PhraseCache | None = None,
                 earlier: TermCache | None = None):
        """`kept`: the terms of this index state as a whole; `segments`: each segment's
        own, which outlive the state (see read_term); `phrases`: the documents of the
        phrases this state has checked (docsets.phrase_docs); `earlier`: the terms of
        the state before, whose segments' parts this one can take over."""
        self.reader = searcher.reader()
        self.kept = kept or TermCache()
        self.segments = segments
        self.earlier = earlier
        self.phrases = PhraseCache() if phrases is None else phrases
        self._read: dict[tuple[str, object], _Term] = {}

    def _term(self, field: str, text) -> _Term:
        key = (field, text)
        if key not in self._read:
            term = self.kept.get(key)
            if term is None:
                before = self.earlier.get(key) if self.earlier is not None else None
                term = read_term(self.reader, field, text, segments=self.segments,
                                 earlier=before.by_origin() if before else None)
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
        return self._term(field, text).doc_set()

    def positions(self, field: str, text, among: frozenset[int]) -> dict[int, Sequence[int]]:
        """Where the term stands in each of the documents `among` that hold it (decoded
        only for those: a common word's other postings are never unpacked)."""
        term = self._term(field, text)
        unpack = self.reader.schema[field].format.unpack   # schema.PackedPositions
        ids = term.ids
        if len(among) * 8 > len(ids):
            return {doc: unpack(value) for doc, value in zip(ids, term.values, strict=True)
                    if doc in among}
        found = {}   # a few of a common word's documents: looked up (ids are in order)
        for doc in among:
            at = bisect_left(ids, doc)
            if at < len(ids) and ids[at] == doc:
                found[doc] = unpack(term.value_at(at))
        return found


class _Term:
    __slots__ = ("ids", "weights", "_values", "docs", "_block_starts", "parts", "origin")

    def __init__(self):
        # Typed arrays, not lists: the cyclic garbage collector walks every item of a
        # list it tracks, and with the kept terms' lists a full collection took 120 ms
        # of some search (an array is one object to it, and a third of the memory).
        self.ids: array = array("I")
        self.weights: array = array("f")   # as blocks hold them
        # The encoded positions read so far, and blocks of them still packed: most terms
        # never need theirs (only phrases and proximity do), so they are split on
        # demand. One attribute, replaced whole, so that threads never see half of it.
        self._values: tuple[list[bytes], list[tuple[bytes, int]]] = ([], [])
        self.docs: frozenset[int] | None = None   # the ids as a set, made when first asked
        self._block_starts: list[int] | None = None   # where each packed block begins
        self.parts: tuple[_Term, ...] = ()   # each segment's, when joined from several
        self.origin: tuple[str, int] | None = None   # a segment's part: (its id, its base)

    def doc_set(self) -> frozenset[int]:
        """The ids as a set. A term joined from segments joins their sets: after a commit
        adds a small segment, a common word's set is the old segment's (made once, kept
        with it) and a few more, copied at a fifth of the cost of making it again."""
        if self.docs is None:
            holding = [part for part in self.parts if part.ids]
            if len(holding) == 1:
                self.docs = holding[0].doc_set()
            elif holding:
                self.docs = frozenset().union(*(part.doc_set() for part in holding))
            else:
                self.docs = frozenset(self.ids)
        return self.docs

    def by_origin(self) -> dict[tuple[str, int], _Term]:
        """Each segment's part of this term, by (segment id, base)."""
        return {part.origin: part for part in self.parts or (self,) if part.origin}

    def has_values(self) -> bool:
        return bool(self._values[0] or self._values[1])

    def value_at(self, index: int) -> bytes:
        """The encoded positions of posting `index`, taken from its block alone when the
        blocks are still packed (a few documents of a common word need theirs)."""
        values, packed = self._values
        if not packed or index < len(values):
            return values[index]
        starts = self._block_starts
        if starts is None:    # made twice at worst by two threads: the same list
            starts = self._block_starts = list(
                accumulate((count for _, count in packed), initial=len(values)))
        block = bisect_right(starts, index) - 1
        return value_in(*packed[block], index - starts[block])

    @property
    def values(self) -> list[bytes]:
        """The encoded positions, one per posting, for fields that keep them."""
        values, packed = self._values
        if packed:
            values = _split(values, packed)
            self._values = (values, [])
            self._block_starts = None
        return values

    # While a term is read (before anyone else sees it):

    def add_values(self, values: Sequence[bytes]) -> None:
        self.values.extend(values)

    def add_packed(self, block: tuple[bytes, int]) -> None:
        self._values[1].append(block)


class TermCache:
    """The postings of the most recently used terms, up to `budget` postings in all.
    Common words come back in query after query (also as the parts of compounds and in
    phrases), and reading their postings again was half of what such a search cost.
    Keys name what the postings belong to, an index state or a segment, whose postings
    never change: nothing kept can be stale (docsets.py)."""

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


class PhraseCache:
    """The documents of the phrases checked on one index state, up to `budget`
    documents in all, most recently used kept: paging through the hits of a phrase, or
    searching it again, no longer checks every position again."""

    def __init__(self, budget: int = PHRASE_DOCS_KEPT):
        self._found: OrderedDict[tuple, frozenset[int]] = OrderedDict()
        self._size = 0
        self._budget = budget
        self._lock = threading.Lock()

    def get(self, key) -> frozenset[int] | None:
        with self._lock:
            found = self._found.get(key)
            if found is not None:
                self._found.move_to_end(key)
            return found

    def put(self, key, docs: frozenset[int]) -> None:
        with self._lock:
            if key in self._found:
                return
            self._found[key] = docs
            self._size += len(docs) + 1
            while self._size > self._budget and len(self._found) > 1:
                _, dropped = self._found.popitem(last=False)
                self._size -= len(dropped) + 1


def _cost(term: _Term) -> int:
    """Postings, plus one for the entry itself: a word that is not in the index costs
    something too, or typing unknown words would grow the cache without end. A term
    joined from several segments counts twice: it holds on to their parts as well."""
    copies = 2 if sum(1 for part in term.parts if part.ids) > 1 else 1
    return copies * len(term.ids) + 1


def segment_key(leaf) -> str | None:
    """The id of the segment a leaf reader reads: random and unique to that segment, whose
    postings, lengths and values never change once written (a commit adds segments,
    merges small ones into a new one, or marks documents deleted)."""
    segment = leaf.segment()
    return segment.segment_id() if segment is not None else None


def read_term(reader, field: str, text, weights: bool = True,
              segments: TermCache | None = None,
              earlier: dict[tuple[str, int], _Term] | None = None) -> _Term:
    """Every posting of one term, deleted documents included, read a block at a time;
    with `weights` (frequencies) and, where the field keeps them, positions.

    With `segments`, each segment's postings are read once and kept there by segment id;
    `earlier` holds the parts of the same term in the state before. So after a commit
    only the new segment is read: the first search on a new index state no longer reads
    every common word again."""
    with_positions = weights and reader.schema[field].format.supports("positions")
    parts = []
    for leaf, base in reader.leaf_readers():
        segment = segment_key(leaf) if segments is not None and weights else None
        # Numbered for the whole index, so kept with the segment's base: a merge of
        # earlier segments can move a segment, and its terms are then read again.
        origin = (segment, base)
        term = None
        if segment is not None:
            term = (earlier or {}).get(origin) or segments.get((*origin, field, text))
        if term is None:
            term = _leaf_term(leaf, field, text, weights, with_positions)
            if base:
                term.ids = array("I", [base + docnum for docnum in term.ids])
            if segment is not None:
                term.origin = origin
                segments.put((*origin, field, text), term)
        parts.append(term)
    return _joined(parts)


def _leaf_term(leaf, field: str, text, weights: bool, with_positions: bool) -> _Term:
    term = _Term()
    try:
        matcher = leaf.postings(field, text)
    except TermNotFound:
        return term
    if isinstance(matcher, FilterMatcher):  # hides deleted documents one at a time
        matcher = matcher.child
        matcher.reset()                     # it may have stepped past some already
    _read_blocks(matcher, term, weights, with_positions)
    return term


def _joined(parts: list[_Term]) -> _Term:
    """One term from each segment's part (numbered for the whole index already). The
    parts stay with it, empty ones too, for the next state to take over. A term held by
    one segment alone shares that segment's postings: nothing copied."""
    if len(parts) == 1:
        return parts[0]
    joined = _Term()
    joined.parts = tuple(parts)
    holding = [term for term in parts if term.ids]
    if len(holding) == 1:
        joined.ids, joined.weights, joined._values = (
            holding[0].ids, holding[0].weights, holding[0]._values)
        return joined
    for term in holding:
        joined.ids.extend(term.ids)
        joined.weights.extend(term.weights)
    # Each part's values read once: another thread may unpack a part meanwhile (which
    # replaces its `_values` whole), and a second look could miss its blocks.
    seen = [term._values for term in holding]
    if all(not values for values, _packed in seen):   # all still packed: stays so
        joined._values = ([], [block for _values, packed in seen for block in packed])
    else:
        joined._values = ([value for values, packed in seen
                           for value in _split(values, packed)], [])
    return joined


def _split(values: list[bytes], packed: list[tuple[bytes, int]]) -> list[bytes]:
    """The values split so far, then those of the blocks still packed."""
    return values + [value for block in packed for value in split_values(*block)]


def _read_blocks(matcher, term: _Term, weights: bool, with_positions: bool) -> None:
    if not isinstance(matcher, W3LeafMatcher):   # any other matcher, one posting at a time
        values = []
        while matcher.is_active():
            term.ids.append(matcher.id())
            if weights:
                term.weights.append(matcher.weight())
            if with_positions:
                values.append(matcher.value())
            matcher.next()
        term.add_values(values)
        return
    while matcher.is_active():
        matcher._read_ids()   # blocks.PackedLeafMatcher: a block at a time, in C
        term.ids.extend(matcher._ids)
        if weights:
            matcher._read_weights()
            term.weights.extend(matcher._weights)
        if with_positions:
            packed = matcher.packed_values() if isinstance(matcher, PackedLeafMatcher) else None
            if packed is None:
                matcher._read_values()
                term.add_values(matcher._values)
            else:
                term.add_packed(packed)
        matcher._next_block()


def segment_length_bytes(leaf, field: str) -> bytes:
    """Every document's length in `field` in one segment as Whoosh stores it (one byte,
    a logarithmic approximation; whoosh.util.numeric.byte_to_length turns it back into
    a length), indexed by the segment's document number."""
    stored = leaf._perdoc.length_bytes(field) or b""   # codec._PerDocReader
    return stored + bytes(leaf.doc_count_all() - len(stored))   # documents past the end: 0
