"""One search: a page of hits, facet counts and a spelling suggestion, all within the
limits of what the reader may see (the access filter is part of every query made here).
"""
from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from whoosh import highlight, query

from app.search.analysis import fold
from app.search.docsets import count_values, docsets
from app.search.parsing import Synonyms, parse_user_query
from app.search.schema import EXACT_FIELD, MULTI_VALUED, SINGLE_VALUED

EXCERPT_CHARS = 240
SUGGEST_BELOW = 3          # offer "Bedoelde u …?" when fewer hits than this are found
DISJUNCTIVE = "roles"      # its counts ignore its own filter: the quadrant shows all four
OPERATORS = {"AND", "OR", "NOT", "EN", "OF", "NIET"}

Grants = Sequence[Mapping[str, set[str]]]
NOTHING = query.Term("key", "")  # no document has an empty key


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
    # Not NullQuery: Whoosh drops a NullQuery from an And, which would lift the limit.
    return query.Or(alternatives) if alternatives else NOTHING


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

def _facets(searcher, sets, matched_by, grants, filters) -> dict[str, dict[str, int]]:
    """Counts per facet value over the hits; the role facet over the hits as they would
    be without a role filter (disjunctive), so the quadrant keeps all four numbers."""
    names = [*SINGLE_VALUED, *MULTI_VALUED]
    counts = count_values(sets, searcher, matched_by(_filter(grants, filters)), names)
    if filters.get(DISJUNCTIVE):
        counts.update(count_values(
            sets, searcher, matched_by(_filter(grants, filters, leave_out=DISJUNCTIVE)),
            [DISJUNCTIVE]))
    return counts


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
    sets = docsets.for_searcher(searcher)
    allowed = sets.filter_docs(searcher, _filter(grants, request.filters))
    if not allowed:  # Whoosh reads an empty filter set as no filter at all
        return ResultPage(hits=[], total=0, page=1, page_count=1,
                          page_length=request.page_length)
    options = ({"sortedby": "published", "reverse": True}
               if request.sort == "newest" or not words else {})
    results = searcher.search_page(user_query, max(request.page, 1),
                                   pagelen=request.page_length, filter=allowed, terms=True,
                                   **options)
    results.results.fragmenter = highlight.ContextFragmenter(maxchars=EXCERPT_CHARS,
                                                             surround=60)
    results.results.formatter = highlight.HtmlFormatter(tagname="mark", between=" … ")
    hits = frozenset(searcher.docs_for_query(user_query)) if request.facets else None

    def matched_by(limits):
        return hits & sets.filter_docs(searcher, limits)

    total = len(hits & allowed) if hits is not None else results.total
    return ResultPage(
        hits=[to_hit(hit, request.excerpts) for hit in results],  # past the end: the last page
        total=total,
        page=max(results.pagenum, 1),
        page_count=max(math.ceil(total / request.page_length), 1),
        page_length=request.page_length,
        facets=_facets(searcher, sets, matched_by, grants, request.filters)
        if request.facets else {},
        suggestion=(_suggestion(searcher, words, grants)
                    if request.suggest and words and total < SUGGEST_BELOW else None),
    )
