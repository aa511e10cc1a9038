"""Sets of document numbers, kept per index state, that make filters and facets cheap.

Whoosh turns a filter query into a set of document numbers on every search, and counts
facets by walking every hit's values; at tens of thousands of documents that is most of
a search's time. Here both are set operations on sets made once per index state: the
documents a filter admits, and the documents that carry each facet value. A new commit
is a new state, so nothing stale is ever used.
"""
from __future__ import annotations

import heapq
import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from itertools import chain

from whoosh import query

from app.search.postings import Postings, TermCache, field_length_bytes, read_term

STATES_KEPT = 2      # the current index state, and the one before while requests finish
FILTERS_KEPT = 256   # distinct filters (access grants × chosen facet values) per state


def index_state(searcher) -> tuple:
    """Names this exact state of this index: its segments (random ids, unique to one
    index) and the generation, which moves with every commit, deletions included."""
    reader = searcher.reader()
    segments = tuple(sorted(leaf.segment().segment_id() for leaf, _base in reader.leaf_readers()
                            if leaf.segment() is not None))
    return segments, reader.generation()


class _StateSets:
    def __init__(self, searcher):
        self.live = frozenset(searcher.reader().all_doc_ids())
        # Plain sets, because Whoosh takes a set (not a frozenset) as a filter; never
        # changed after they are made.
        self.filters: OrderedDict[str, set[int]] = OrderedDict()
        self.values: dict[str, dict[str, frozenset[int]]] = {}
        self.by_date: list[int] | None = None
        self.lengths: dict[str, bytes] = {}
        self.by_doc: dict[str, list[tuple[str, ...]]] = {}
        self.terms = TermCache()
        self.lock = threading.Lock()

    def filter_docs(self, searcher, limits: query.Query) -> set[int]:
        key = repr(limits)
        with self.lock:
            if key in self.filters:
                self.filters.move_to_end(key)
                return self.filters[key]
        # Read apart from the term cache: a filter's terms (every public document...) are
        # made into a set once per state and would only push query words out.
        docs = set(_docs(searcher, limits, self.live, Postings(searcher))) & self.live
        with self.lock:
            self.filters[key] = docs
            while len(self.filters) > FILTERS_KEPT:
                self.filters.popitem(last=False)
        return docs

    def _kept(self, table: dict, key, make):
        """`table[key]`, made by `make()` the first time. Made outside the lock, which
        may take a while; should two threads make it at once, the first one kept wins."""
        with self.lock:
            if key in table:
                return table[key]
        made = make()
        with self.lock:
            return table.setdefault(key, made)

    def value_docs(self, searcher, field: str) -> dict[str, frozenset[int]]:
        """Each value of `field` (a facet) with the documents that have it."""
        def make():
            reader, found = searcher.reader(), {}
            for term in reader.lexicon(field):
                docs = frozenset(read_term(reader, field, term, weights=False).ids) & self.live
                if docs:
                    found[term.decode("utf-8") if isinstance(term, bytes) else term] = docs
            return found
        return self._kept(self.values, field, make)

    def values_by_doc(self, searcher, field: str) -> list[tuple[str, ...]]:
        """For each document number, the values of `field` it carries."""
        def make():
            found: list[tuple[str, ...]] = [()] * searcher.reader().doc_count_all()
            for value, docs in self.value_docs(searcher, field).items():
                for docnum in docs:
                    found[docnum] += (value,)
            shared: dict[tuple[str, ...], tuple[str, ...]] = {}   # one tuple per combination
            return [shared.setdefault(values, values) for values in found]
        return self._kept(self.by_doc, field, make)

    def length_bytes(self, searcher, field: str) -> bytes:
        """Every document's stored length in `field`, for scoring (see scoring.py)."""
        return self._kept(self.lengths, field,
                          lambda: field_length_bytes(searcher.reader(), field))

    def newest_first(self, searcher, docs: set[int], count: int) -> list[int]:
        """The `count` newest of `docs` (by `published`), newest first."""
        column = searcher.reader().column_reader("published")
        if len(docs) * 20 < len(self.live):   # a few: sort just these
            return heapq.nlargest(count, docs, key=lambda docnum: column[docnum])
        if self.by_date is None:              # many: walk the whole index in date order once
            self.by_date = sorted(self.live, key=lambda docnum: column[docnum], reverse=True)
        found = []
        for docnum in self.by_date:
            if docnum in docs:
                found.append(docnum)
                if len(found) == count:
                    break
        return found


class DocSets:
    def __init__(self):
        self._states: OrderedDict[tuple, _StateSets] = OrderedDict()
        self._lock = threading.Lock()

    def for_searcher(self, searcher) -> _StateSets:
        state = index_state(searcher)
        with self._lock:
            if state in self._states:
                return self._states[state]
        made = _StateSets(searcher)
        with self._lock:
            made = self._states.setdefault(state, made)
            while len(self._states) > STATES_KEPT:
                self._states.popitem(last=False)
        return made


docsets = DocSets()


def count_values(sets: _StateSets, searcher, matched: frozenset[int],
                 fields) -> dict[str, dict[str, int]]:
    """Facet counts: for each field, how many of `matched` carry each value.

    Counted by looking up each matched document's values (in C: map and Counter), which
    costs the number of matches; intersecting the matches with every value's documents
    cost the whole index per field. When most documents match, the few left out are
    counted and taken from the totals instead."""
    subtract = len(matched) * 2 > len(sets.live)
    walked = sets.live - matched if subtract else matched
    counts = {}
    for field in fields:
        values_of = sets.values_by_doc(searcher, field)
        found = Counter(chain.from_iterable(map(values_of.__getitem__, walked)))
        if subtract:
            found = {value: len(docs) - found[value]
                     for value, docs in sets.value_docs(searcher, field).items()}
        counts[field] = {value: size for value, size in found.items() if size}
    return counts


def _docs(searcher, node: query.Query, live: frozenset[int], postings: Postings) -> frozenset[int]:
    def docs(sub):
        return _docs(searcher, sub, live, postings)

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
        return live - docs(node.query)
    if isinstance(node, query.Every):
        return live
    if isinstance(node, query.Phrase) and node.slop == 1:   # "…"~2 is left to Whoosh
        return phrase_docs(postings, node.fieldname, node.words)
    if isinstance(node, query.MultiTerm):   # prefix*, fuzzy~: the words they stand for
        words = (w.decode("utf-8") if isinstance(w, bytes) else w
                 for w in node._btexts(searcher.reader()))
        return frozenset().union(*(postings.docs(node.fieldname, w) for w in words))
    return frozenset(searcher.docs_for_query(node))   # the rare rest, by Whoosh


def phrase_docs(postings: Postings, field: str, words) -> frozenset[int]:
    """The documents with `words` at successive positions of `field`, as Whoosh's
    Phrase (slop 1) finds them; found once per search (matching and scoring both ask)."""
    key = (field, tuple(words))
    if key not in postings.phrases:
        postings.phrases[key] = _phrase_docs(postings, field, words)
    return postings.phrases[key]


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
    postings = postings or Postings(searcher, sets.terms)
    return _docs(searcher, user_query, sets.live, postings) & sets.live
