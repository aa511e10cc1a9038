"""One search: a page of hits, facet counts and a spelling suggestion, all within the
limits of what the reader may see (the access filter is part of every query made here).
"""
from __future__ import annotations

import html
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from whoosh import highlight, query, sorting

from app.search.analysis import fold
from app.search.parsing import Synonyms, parse_user_query
from app.search.schema import EXACT_FIELD, MULTI_VALUED, SINGLE_VALUED

EXCERPT_CHARS = 240
SUGGEST_BELOW = 3          # offer "Bedoelde u …?" when fewer hits than this are found
DISJUNCTIVE = "roles"      # its counts ignore its own filter: the quadrant shows all four
OPERATORS = {"AND", "OR", "NOT", "EN", "OF", "NIET"}

Grants = Sequence[Mapping[str, set[str]]]


@dataclass(frozen=True)
class SearchRequest:
    text: str = ""
    filters: Mapping[str, frozenset[str]] = field(default_factory=dict)  # field -> values
    sort: str = "relevance"                                               # or "newest"
    page: int = 1
    page_length: int = 20
    excerpts: bool = True
    facets: bool = False
    suggest: bool = False
    synonyms: Synonyms = field(default_factory=dict)


@dataclass(frozen=True)
class Hit:
    key: str
    kind: str
    ref: str
    title: str
    roles: tuple[str, ...]
    excerpt_html: str  # escaped text with <mark> around matches; safe to insert as HTML
    score: float


@dataclass(frozen=True)
class ResultPage:
    hits: list[Hit]
    total: int
    page: int
    page_count: int
    page_length: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None


def access_query(grants: Grants) -> query.Query:
    """A document is visible when it meets every constraint of at least one grant."""
    alternatives = []
    for grant in grants:
        if any(not values for values in grant.values()):
            continue  # a constraint nothing can meet: this grant admits no document
        alternatives.append(query.And([
            query.Or([query.Term(name, value) for value in sorted(values)])
            for name, values in grant.items()
        ]))
    return query.Or(alternatives) if alternatives else query.NullQuery


def _filter(grants: Grants, filters: Mapping[str, frozenset[str]],
            leave_out: str = "") -> query.Query:
    limits = [access_query(grants)]
    for name, values in sorted(filters.items()):
        if name != leave_out and values:
            limits.append(query.Or([query.Term(name, value) for value in sorted(values)]))
    return query.And(limits)


# -- excerpts -----------------------------------------------------------------------------

def _excerpt(hit) -> str:
    for name in ("body", "summary"):
        fragment = hit.highlights(name, top=2)
        if fragment:
            return fragment
    text = hit.get("summary") or hit.get("body") or ""
    if len(text) > EXCERPT_CHARS:
        text = text[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"
    return html.escape(text)


def to_hit(hit, with_excerpt: bool) -> Hit:
    return Hit(key=hit["key"], kind=hit["kind"], ref=hit["ref"], title=hit["title"],
               roles=tuple(filter(None, hit.get("roles", "").split(","))),
               excerpt_html=_excerpt(hit) if with_excerpt else "", score=hit.score or 0.0)


# -- facets -------------------------------------------------------------------------------

class _FacetCache:
    """Facet counts are the costly part of a search; they only change with the index or
    the question, so they are kept per index generation."""

    def __init__(self, size: int = 256):
        self._entries: OrderedDict[tuple, dict] = OrderedDict()
        self._size, self._lock = size, threading.Lock()

    def get_or_make(self, key: tuple, make):
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = make()
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return value


_facet_cache = _FacetCache()


def _count(searcher, user_query, limits, names) -> dict[str, dict[str, int]]:
    facets = {name: sorting.FieldFacet(name, allow_overlap=name in MULTI_VALUED,
                                       maptype=sorting.Count) for name in names}
    results = searcher.search(user_query, filter=limits, groupedby=facets, limit=1)
    return {name: {value: count for value, count in results.groups(name).items() if value}
            for name in names}


def _facets(searcher, user_query, grants, filters) -> dict[str, dict[str, int]]:
    def make():
        names = [*SINGLE_VALUED, *MULTI_VALUED]
        counts = _count(searcher, user_query, _filter(grants, filters), names)
        if filters.get(DISJUNCTIVE):
            counts.update(_count(searcher, user_query,
                                 _filter(grants, filters, leave_out=DISJUNCTIVE), [DISJUNCTIVE]))
        return counts

    return _facet_cache.get_or_make(
        (_index_state(searcher), repr(user_query), repr(_filter(grants, filters))), make)


def _index_state(searcher) -> tuple:
    """Names this exact state of this index: its segments (random ids, unique to one
    index) and the generation, which moves with every commit, deletions included."""
    reader = searcher.reader()
    segments = tuple(sorted(leaf.segment().segment_id() for leaf, _base in reader.leaf_readers()
                            if leaf.segment() is not None))
    return segments, reader.generation()


# -- "Bedoelde u …?" -------------------------------------------------------------------------

def _visible(searcher, word: str, grants: Grants) -> bool:
    found = searcher.search(query.Term(EXACT_FIELD, word), filter=access_query(grants), limit=1)
    return not found.is_empty()


def _suggestion(searcher, text: str, grants: Grants) -> str | None:
    """The text with each unknown word replaced by a close word that occurs in something
    the reader may see (so a suggestion never reveals a word of a hidden item)."""
    corrector, corrected = searcher.corrector(EXACT_FIELD), text
    for word in dict.fromkeys(re.findall(r"\w+", text)):
        folded = fold(word)
        if word in OPERATORS or len(folded) < 4 or searcher.doc_frequency(EXACT_FIELD, folded):
            continue
        for candidate in corrector.suggest(folded, limit=3, maxdist=2):
            if _visible(searcher, candidate, grants):
                corrected = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", candidate, corrected)
                break
    return corrected if corrected != text else None


# -- the search ---------------------------------------------------------------------------

def run_search(searcher, request: SearchRequest, grants: Grants) -> ResultPage:
    """With no words typed every allowed item matches, newest first, so that filters on
    their own work as browsing."""
    words = request.text.strip()
    user_query = (parse_user_query(words, searcher.schema, request.synonyms) if words
                  else query.Every())
    options = ({"sortedby": "published", "reverse": True}
               if request.sort == "newest" or not words else {})
    results = searcher.search_page(user_query, max(request.page, 1),
                                   pagelen=request.page_length,
                                   filter=_filter(grants, request.filters), terms=True, **options)
    results.results.fragmenter = highlight.ContextFragmenter(maxchars=EXCERPT_CHARS,
                                                             surround=60)
    results.results.formatter = highlight.HtmlFormatter(tagname="mark", between=" … ")
    total = results.total
    return ResultPage(
        hits=[to_hit(hit, request.excerpts) for hit in results],  # past the end: the last page
        total=total,
        page=max(results.pagenum, 1),
        page_count=max(math.ceil(total / request.page_length), 1),
        page_length=request.page_length,
        facets=_facets(searcher, user_query, grants, request.filters) if request.facets else {},
        suggestion=(_suggestion(searcher, words, grants)
                    if request.suggest and words and total < SUGGEST_BELOW else None),
    )
