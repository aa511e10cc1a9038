"""Sets of document numbers, kept per index state, that make filters and facets cheap.

Whoosh turns a filter query into a set of document numbers on every search, and counts
facets by walking every hit's values; at tens of thousands of documents that is most of
a search's time. Here both are set operations on sets made once: the documents a filter
admits, and the documents that carry each facet value.

What is read from the index is kept per *segment*, in the segment's own document
numbers, because Whoosh never changes a segment once written: a commit adds a segment
for the new and changed documents, sometimes merges small segments into a new one, and
marks replaced documents deleted. A new index state (a commit) therefore reads only its
new segments; the rest is carried over, and only joined into the whole index's
numbering, which costs milliseconds where reading it all again cost a second at 50,000
documents, in every web process after every save. Which documents are deleted is the
state's own, so nothing stale is ever used.
"""
from __future__ import annotations

import heapq
import threading
from array import array
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator, Sequence
from itertools import chain
from operator import itemgetter

from whoosh import query

from app.search.postings import (
    PhraseCache,
    Postings,
    TermCache,
    read_term,
    segment_key,
    segment_length_bytes,
)
from app.search.schema import ACCESS_FIELDS, MULTI_VALUED, SINGLE_VALUED

# The fields filters are made of: their values' documents are kept per segment.
FILTER_FIELDS = frozenset((*ACCESS_FIELDS, *SINGLE_VALUED, *MULTI_VALUED))
STATES_KEPT = 2      # the current index state, and the one before while requests finish
FILTERS_KEPT = 256   # distinct filters (access grants × chosen facet values) per state
# The postings each segment keeps, all segments of the process together (as many as a
# state keeps of its joined terms: postings.POSTINGS_KEPT). Entries of segments gone
# are not looked for but pushed out as others come in.
SEGMENT_POSTINGS_KEPT = 250_000


def index_state(searcher) -> tuple:
    """Names this exact state of this index: its segments (random ids, unique to one
    index) and the generation, which moves with every commit, deletions included."""
    reader = searcher.reader()
    segments = tuple(sorted(leaf.segment().segment_id() for leaf, _base in reader.leaf_readers()
                            if leaf.segment() is not None))
    return segments, reader.generation()


def _kept(lock: threading.Lock, table: dict, key, make: Callable):
    """`table[key]`, made by `make()` the first time. Made outside the lock, which may
    take a while; should two threads make it at once, the first one kept wins."""
    with lock:
        if key in table:
            return table[key]
    made = make()
    with lock:
        return table.setdefault(key, made)


def _decoded(term) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term


class Combinations:
    """A number for each combination of facet values a document carries (its roles, its
    groups; one value or none for the other facets), the same in every segment.

    Each segment keeps a field's combinations as one array of numbers, one per document:
    a new index state joins its segments' arrays by copying bytes, where a tuple of
    values per document cost 0.5 ms a field at 50,000 documents to join after each
    commit; and facet counting counts numbers, then spreads each count over its
    combination's values. Kept for the life of the process: one entry for each distinct
    combination ever indexed (for the organisation, each distinct name: thousands at
    most, some 200 bytes each), not one per document."""

    def __init__(self):
        self._numbers: dict[tuple[str, ...], int] = {(): 0}
        self._values: list[tuple[str, ...]] = [()]
        self._lock = threading.Lock()

    def number(self, values: tuple[str, ...]) -> int:
        with self._lock:
            if values not in self._numbers:
                self._numbers[values] = len(self._values)
                self._values.append(values)
            return self._numbers[values]

    def values(self, number: int) -> tuple[str, ...]:
        return self._values[number]


combinations = Combinations()


class _SegmentSets:
    """One segment's facet values, lengths and dates, in its own document numbers,
    deleted documents included (a state leaves those out)."""

    def __init__(self):
        self.values: dict[str, dict[str, frozenset[int]]] = {}
        self.by_doc: dict[str, array] = {}
        self.lengths: dict[str, bytes] = {}
        self.dates: dict[str, array] = {}
        self.filters: OrderedDict[tuple[str, int], frozenset[int]] = OrderedDict()
        self.lock = threading.Lock()

    def filter_docs(self, leaf, base: int, key: str, limits: query.Query) -> frozenset[int]:
        """The segment's documents `limits` admits (deleted ones included), numbered
        from `base`. Kept with the base: a segment mostly keeps its place from one state
        to the next (new segments come after it), and when a merge of earlier segments
        moves it, the set is made again for its new place."""
        with self.lock:
            if (key, base) in self.filters:
                self.filters.move_to_end((key, base))
                return self.filters[(key, base)]
        docs = _docs(None, limits, lambda: frozenset(range(leaf.doc_count_all())),
                     _LeafTerms(self, leaf))
        docs = frozenset(map(base.__add__, docs)) if base else docs
        with self.lock:
            self.filters[(key, base)] = docs
            while len(self.filters) > FILTERS_KEPT:
                self.filters.popitem(last=False)
        return docs

    def value_docs(self, leaf, field: str) -> dict[str, frozenset[int]]:
        def make():
            found = {}
            for term in leaf.lexicon(field):
                docs = frozenset(read_term(leaf, field, term, weights=False).ids)
                if docs:
                    found[_decoded(term)] = docs
            return found
        return _kept(self.lock, self.values, field, make)

    def combination_numbers(self, leaf, field: str) -> array:
        """For each document, the number of the combination of values it carries in
        `field` (see Combinations)."""
        def make():
            found: list[tuple[str, ...]] = [()] * leaf.doc_count_all()
            for value, docs in sorted(self.value_docs(leaf, field).items()):
                for docnum in docs:
                    found[docnum] += (value,)
            numbers = {values: combinations.number(values) for values in set(found)}
            return array("I", map(numbers.__getitem__, found))
        return _kept(self.lock, self.by_doc, field, make)

    def length_bytes(self, leaf, field: str) -> bytes:
        return _kept(self.lock, self.lengths, field, lambda: segment_length_bytes(leaf, field))

    def date_order(self, leaf) -> array:
        """The segment's documents by `published`, newest first (equal dates in document
        order)."""
        def make():
            column = leaf.column_reader("published")
            return array("I", sorted(range(leaf.doc_count_all()), key=column.__getitem__,
                                     reverse=True))
        return _kept(self.lock, self.dates, "published", make)


class _StateSets:
    def __init__(self, searcher, segment_sets: Callable[[str | None], _SegmentSets],
                 segment_terms: TermCache, earlier: _StateSets | None = None):
        reader = searcher.reader()
        # One per leaf, in the reader's order: a segment whose documents are all gone
        # can be empty and share its base with the next one.
        self.segments: list[_SegmentSets] = []
        deleted: list[int] = []
        for leaf, base in reader.leaf_readers():
            self.segments.append(segment_sets(segment_key(leaf)))
            if leaf.has_deletions():
                deleted.extend(base + docnum for docnum in leaf.deleted_docs_set)
        self.deleted = frozenset(deleted)
        self.count = reader.doc_count_all() - len(self.deleted)   # live documents
        self._live: frozenset[int] | None = None
        # Plain sets, because Whoosh takes a set (not a frozenset) as a filter; never
        # changed after they are made.
        self.filters: OrderedDict[str, set[int]] = OrderedDict()
        self.values: dict[str, dict[str, frozenset[int]]] = {}
        self.counts: dict[str, dict[str, int]] = {}
        self.lengths: dict[str, bytes] = {}
        self.by_doc: dict[str, array] = {}
        self.terms = TermCache()
        self.phrases = PhraseCache()
        self.segment_terms = segment_terms
        # The terms of the state before, while this is the newest: the segments the
        # commit left alone keep their postings (see postings.read_term).
        self.earlier_terms = earlier.terms if earlier is not None else None
        self.lock = threading.Lock()

    @property
    def live(self) -> frozenset[int]:
        """Every live document, made when first asked (a NIET, a bare `*`, facets of a
        search that matches most documents), not for every new state."""
        if self._live is None:
            self._live = frozenset(range(self.count + len(self.deleted))).difference(
                self.deleted)
        return self._live

    def postings(self, searcher) -> Postings:
        """A search's postings, reading through this state's terms and each segment's."""
        return Postings(searcher, self.terms, self.segment_terms, self.phrases,
                        self.earlier_terms)

    def _parts(self, searcher) -> Iterator[tuple[object, int, _SegmentSets]]:
        for (leaf, base), segment in zip(searcher.reader().leaf_readers(), self.segments,
                                         strict=True):
            yield leaf, base, segment

    def filter_docs(self, searcher, limits: query.Query) -> set[int]:
        key = repr(limits)
        with self.lock:
            if key in self.filters:
                self.filters.move_to_end(key)
                return self.filters[key]
        # Each segment's part, made once per segment; from the facet values' sets, not
        # the term cache: a filter's terms (every public document...) would only push
        # query words out.
        docs = set().union(*(segment.filter_docs(leaf, base, key, limits)
                             for leaf, base, segment in self._parts(searcher)))
        docs.difference_update(self.deleted)
        with self.lock:
            self.filters[key] = docs
            while len(self.filters) > FILTERS_KEPT:
                self.filters.popitem(last=False)
        return docs

    def term_docs(self, searcher, field: str, value: str) -> frozenset[int]:
        """The documents (deleted ones included) that carry `value` in `field`."""
        parts = [docs if not base else frozenset(map(base.__add__, docs))
                 for leaf, base, segment in self._parts(searcher)
                 if (docs := segment.value_docs(leaf, field).get(value))]
        if len(parts) == 1:
            return parts[0]
        return frozenset().union(*parts)

    def value_docs(self, searcher, field: str) -> dict[str, frozenset[int]]:
        """Each value of `field` (a facet) with the live documents that have it."""
        def make():
            values = set(chain.from_iterable(
                segment.value_docs(leaf, field) for leaf, _base, segment in self._parts(searcher)))
            found = {value: self.term_docs(searcher, field, value) - self.deleted
                     for value in values}
            return {value: docs for value, docs in found.items() if docs}
        return _kept(self.lock, self.values, field, make)

    def value_counts(self, searcher, field: str) -> dict[str, int]:
        """How many live documents carry each value of `field`."""
        def make():
            counts: Counter = Counter()
            for leaf, _base, segment in self._parts(searcher):
                gone = leaf.deleted_docs_set if leaf.has_deletions() else frozenset()
                for value, docs in segment.value_docs(leaf, field).items():
                    counts[value] += len(docs) - (len(docs & gone) if gone else 0)
            return {value: count for value, count in counts.items() if count}
        return _kept(self.lock, self.counts, field, make)

    def combination_numbers(self, searcher, field: str) -> array:
        """For each document number, the number of the combination of values of `field`
        it carries (see Combinations)."""
        def make():
            numbers = array("I")
            for leaf, _base, segment in self._parts(searcher):
                numbers.extend(segment.combination_numbers(leaf, field))
            return numbers
        return _kept(self.lock, self.by_doc, field, make)

    def length_bytes(self, searcher, field: str) -> bytes:
        """Every document's stored length in `field`, for scoring (see scoring.py)."""
        return _kept(self.lock, self.lengths, field, lambda: b"".join(
            segment.length_bytes(leaf, field) for leaf, _base, segment in self._parts(searcher)))

    def newest_first(self, searcher, docs: set[int], count: int) -> list[int]:
        """The `count` newest of `docs` (by `published`), newest first."""
        column = searcher.reader().column_reader("published")
        if len(docs) * 20 < self.count:   # a few: sort just these
            return heapq.nlargest(count, docs, key=lambda docnum: column[docnum])
        found = []   # many: walk the index in date order, each segment's order merged
        for docnum in self._by_date(searcher):
            if docnum in docs:
                found.append(docnum)
                if len(found) == count:
                    break
        return found

    def _by_date(self, searcher) -> Iterator[int]:
        """Every document, newest first: each segment's order, merged by the dates the
        segment itself holds (equal dates: the earlier segment first, as one sort of the
        whole index would have them)."""
        parts = [(leaf, base, segment.date_order(leaf))
                 for leaf, base, segment in self._parts(searcher)]
        if len(parts) == 1 and not parts[0][1]:
            return iter(parts[0][2])
        dated = [_dated(leaf.column_reader("published"), base, order)
                 for leaf, base, order in parts]
        return (docnum for _date, docnum in heapq.merge(*dated, key=itemgetter(0),
                                                          reverse=True))


def _dated(column, base: int, order: Sequence[int]) -> Iterator[tuple]:
    """(date, document number in the whole index) of a segment's documents in `order`."""
    return ((column[docnum], base + docnum) for docnum in order)


class _LeafTerms:
    """What docs() needs of postings, for a filter in one segment: a term's documents
    from the sets of the fields filters are made of (access, facets); any other term (a
    filter that admits nothing names an empty key) read as it is. Filters are made of
    terms, And, Or and Not only (query.access_filter)."""

    def __init__(self, segment: _SegmentSets, leaf):
        self._segment, self._leaf = segment, leaf

    def docs(self, field: str, text) -> frozenset[int]:
        if field in FILTER_FIELDS:
            return self._segment.value_docs(self._leaf, field).get(_decoded(text), frozenset())
        return frozenset(read_term(self._leaf, field, text, weights=False).ids)


class DocSets:
    """The states kept, and the segments they are made of."""

    def __init__(self):
        self._states: OrderedDict[tuple, _StateSets] = OrderedDict()
        self._segments: dict[str, _SegmentSets] = {}
        self._terms = TermCache(SEGMENT_POSTINGS_KEPT)
        self._lock = threading.Lock()

    def for_searcher(self, searcher) -> _StateSets:
        state = index_state(searcher)
        with self._lock:
            if state in self._states:
                return self._states[state]
            newest = next(reversed(self._states.values()), None)
        made = _StateSets(searcher, self._segment, self._terms, earlier=newest)
        with self._lock:
            made = self._states.setdefault(state, made)
            if newest is not None and made is not newest:
                newest.earlier_terms = None   # one state back, never a chain of them
            while len(self._states) > STATES_KEPT:
                self._states.popitem(last=False)
            used = {id(segment) for kept in self._states.values() for segment in kept.segments}
            self._segments = {key: segment for key, segment in self._segments.items()
                              if id(segment) in used}
        return made

    def _segment(self, key: str | None) -> _SegmentSets:
        """The sets of segment `key`, carried over from earlier states; new for a new one
        (and for a reader without segment ids, never kept)."""
        if key is None:
            return _SegmentSets()
        with self._lock:
            return self._segments.setdefault(key, _SegmentSets())


docsets = DocSets()


def count_values(sets: _StateSets, searcher, matched: frozenset[int],
                 fields) -> dict[str, dict[str, int]]:
    """Facet counts: for each field, how many of `matched` carry each value.

    Counted by looking up each matched document's values (in C: map and Counter), which
    costs the number of matches; intersecting the matches with every value's documents
    cost the whole index per field. When most documents match, the few left out are
    counted and taken from the totals instead."""
    subtract = len(matched) * 2 > sets.count
    walked = sets.live - matched if subtract else matched
    counts = {}
    for field in fields:
        numbers = sets.combination_numbers(searcher, field)
        found: Counter = Counter()
        for number, size in Counter(map(numbers.__getitem__, walked)).items():
            for value in combinations.values(number):
                found[value] += size
        if subtract:
            found = {value: size - found[value]
                     for value, size in sets.value_counts(searcher, field).items()}
        counts[field] = {value: size for value, size in found.items() if size}
    return counts


def _docs(searcher, node: query.Query, everything: Callable[[], frozenset[int]],
          postings) -> frozenset[int]:
    """The documents `node` matches; `everything` gives all documents, for the rare
    NIET or `*` (made only then)."""
    def docs(sub):
        return _docs(searcher, sub, everything, postings)

    if isinstance(node, query.Term):
        return postings.docs(node.fieldname, node.text)
    if isinstance(node, query.Or):
        return frozenset().union(*map(docs, node.subqueries))
    if isinstance(node, query.And):
        parts = sorted(map(docs, node.subqueries), key=len)
        return parts[0].intersection(*parts[1:]) if parts else frozenset()
    if isinstance(node, query.AndNot):
        return docs(node.a) - docs(node.b)
    if isinstance(node, query.Require):
        return docs(node.a) & docs(node.b)
    if isinstance(node, query.AndMaybe):
        return docs(node.a)
    if isinstance(node, query.Not):
        return everything() - docs(node.query)
    if isinstance(node, query.Every):
        return everything()
    if isinstance(node, query.Phrase) and node.slop == 1:   # "…"~2 is left to Whoosh
        return phrase_docs(postings, node.fieldname, node.words)
    if isinstance(node, query.MultiTerm):   # prefix*, fuzzy~: the words they stand for
        words = (w.decode("utf-8") if isinstance(w, bytes) else w
                 for w in node._btexts(searcher.reader()))
        return frozenset().union(*(postings.docs(node.fieldname, w) for w in words))
    return frozenset(searcher.docs_for_query(node))   # the rare rest, by Whoosh


def phrase_docs(postings: Postings, field: str, words) -> frozenset[int]:
    """The documents with `words` at successive positions of `field`, as Whoosh's
    Phrase (slop 1) finds them; found once per index state (matching and scoring both
    ask, and a search of it again or its next page)."""
    key = (field, tuple(words))
    found = postings.phrases.get(key)
    if found is None:
        found = _phrase_docs(postings, field, words)
        postings.phrases.put(key, found)
    return found


def _phrase_docs(postings: Postings, field: str, words) -> frozenset[int]:
    """Positions are unpacked only for the documents that hold every word; Whoosh's
    span matchers walked every posting of every word, twice."""
    if not words:
        return frozenset()
    holding = sorted((postings.docs(field, word) for word in words), key=len)
    candidates = holding[0].intersection(*holding[1:])
    if len(words) == 1 or not candidates:
        return candidates
    first, *rest = [postings.positions(field, word, candidates) for word in words]
    return frozenset(doc for doc in candidates
                     if _in_a_row(first[doc], [positions[doc] for positions in rest]))


def _in_a_row(starts: Sequence[int], following: list[Sequence[int]]) -> bool:
    """Whether some start is followed by each next word one position further on."""
    expected = {start + 1 for start in starts}
    for positions in following:
        found = expected.intersection(positions)
        if not found:
            return False
        expected = {position + 1 for position in found}
    return True


def docs_matching(searcher, sets: _StateSets, user_query: query.Query,
                  postings: Postings | None = None) -> frozenset[int]:
    """Every live document `user_query` matches, by set operations on each word's postings.

    Equal to Whoosh's docs_for_query, but Whoosh merges the postings of OR-ed words one
    document at a time in Python, which for a few common words over several fields is
    the slowest part of a search. Pass the search's `postings` so that scoring reuses
    what was read here."""
    postings = postings or sets.postings(searcher)
    found = _docs(searcher, user_query, lambda: sets.live, postings)
    return found - sets.deleted if sets.deleted else found
