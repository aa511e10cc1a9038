"""One search: a page of hits, facet counts and a spelling suggestion, all within the
limits of what the reader may see (the access filter is part of every query made here).
"""
from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup
from whoosh import highlight, query

from app.search import proximity
from app.search.analysis import marker
from app.search.docsets import count_values, docs_matching, docsets
from app.search.expansion import expand
from app.search.glossary import Glossary
from app.search.parsing import Synonyms, parse_user_query
from app.search.postings import Postings
from app.search.schema import EXACT_FIELD, MULTI_VALUED, SINGLE_VALUED
from app.search.scoring import Scorer, Unsupported, best
from app.search.spelling import suggestion as spelling_suggestion

EXCERPT_CHARS = 240
SUGGEST_BELOW = 3          # offer "Bedoelde u …?" when fewer hits than this are found
HIGHLIGHT_CHARS = 4000     # excerpts come from the opening of long texts
DISJUNCTIVE = "roles"      # its counts ignore its own filter: the quadrant shows all four
# The only markup an excerpt holds; the classes as Whoosh's HtmlFormatter wrote them (the
# API has always sent them): term0 … term4 for the distinct words, then term0 again.
MARK = Markup('<mark class="match term{}">{}</mark>')
TERM_CLASSES = 5
BETWEEN = Markup(" … ")    # between two fragments of one excerpt

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
    glossary: Glossary = field(default_factory=Glossary)   # English terms -> Dutch words


@dataclass(frozen=True)
class Hit:
    key: str
    kind: str
    ref: str
    title: str
    roles: tuple[str, ...]
    excerpt_html: Markup  # from marked_html: escaped text, <mark> around the words found
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
    # What the bounds of expansion.py held back: fuzzy~, prefix* and wildcard terms as
    # typed, searched as the plain word ("dropped") or for some of their words only
    # ("narrowed"); phrases (their analysed words) searched as loose words ("loose").
    held_back: dict[str, tuple[str, ...]] = field(default_factory=dict)


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


def access_filter(grants: Grants, filters: Mapping[str, frozenset[str]],
                  leave_out: str = "") -> query.Query:
    """What the reader may see, narrowed by the chosen facet values (less `leave_out`)."""
    limits = [access_query(grants)]
    for name, values in sorted(filters.items()):
        if name != leave_out and values:
            limits.append(query.Or([query.Term(name, value) for value in sorted(values)]))
    return query.And(limits)


# -- excerpts -----------------------------------------------------------------------------

def _opening(stored) -> str:
    text = stored.get("summary") or stored.get("body") or ""
    if len(text) > EXCERPT_CHARS:
        text = text[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"
    return text


def _words_to_mark(user_query) -> tuple[set[str], object]:
    """The words to highlight and the analyzer that finds them in stored text: the
    stemmed words of the body, or else (prefix*, fuzzy~ alone) the unstemmed words they
    stood for."""
    for name, kind in (("body", "dutch"), (EXACT_FIELD, "exact")):
        words = {text for field, text in user_query.iter_all_terms() if field == name}
        if words:
            return words, marker(kind)
    return set(), marker("dutch")


def marked_html(text: str, spans: Iterable[tuple[int, int]],
                terms: dict[str, int] | None = None) -> Markup:
    """`text` as HTML, safe by construction: every character of it escaped, then <mark>
    around each (start, end) span, the only tags added. Pages and the API insert the
    result as it is, so nothing an author wrote or a reader typed can become a tag
    here. Overlapping spans keep the first and longest, as Whoosh's formatters do;
    `terms` numbers the distinct words marked, shared by the fragments of one excerpt."""
    terms = {} if terms is None else terms
    pieces, index = [], 0
    for start, end in sorted(spans, key=lambda span: (span[0], span[0] - span[1])):
        if start < index:
            continue
        word = text[start:end]
        number = terms.setdefault(word, len(terms) % TERM_CLASSES)
        pieces += [_text(text[index:start]), MARK.format(number, _text(word))]
        index = end
    pieces.append(_text(text[index:]))
    return Markup("").join(pieces)


def _text(text: str) -> Markup:
    """`text` escaped for an element's content: &, < and > always. Quotes can only end an
    attribute, and excerpts are never put in one, so they stay as written (the API's
    excerpts read as before)."""
    return Markup(html.escape(text, quote=False))  # nosec B704  # escaped right here


class _MarkFormatter(highlight.Formatter):
    """Whoosh's formatter hook (`highlight.highlight` returns what `format` makes of the
    best fragments), handing each fragment to marked_html instead of building HTML
    strings itself, so that an excerpt is Markup from the one function that escapes."""

    def __init__(self) -> None:
        self.terms: dict[str, int] = {}

    def format(self, fragments, replace=False) -> Markup:
        return BETWEEN.join(self._fragment(fragment) for fragment in fragments)

    def _fragment(self, fragment: highlight.Fragment) -> Markup:
        offset = fragment.startchar
        spans = [(token.startchar - offset, token.endchar - offset)
                 for token in fragment.matches if token.startchar is not None]
        return marked_html(fragment.text[offset:fragment.endchar], spans, self.terms)


def _excerpt(stored, marks) -> Markup:
    """Escaped text with <mark> around the words found: from the body, else the
    summary, else the opening of either without marks."""
    words, analyzer = marks
    for name in ("body", "summary"):
        text = (stored.get(name) or "")[:HIGHLIGHT_CHARS]
        if words and text:
            fragment = highlight.highlight(
                text, words, analyzer, highlight.ContextFragmenter(maxchars=EXCERPT_CHARS,
                                                                   surround=60),
                _MarkFormatter(), top=2)
            if fragment:
                return fragment
    return marked_html(_opening(stored), ())


def stored_hit(searcher, docnum: int, score: float, marks=None) -> Hit:
    """A hit from the stored fields; with an excerpt when the words to mark are given."""
    stored = searcher.stored_fields(docnum)
    return Hit(key=stored["key"], kind=stored["kind"], ref=stored["ref"], title=stored["title"],
               roles=tuple(filter(None, stored.get("roles", "").split(","))),
               excerpt_html=_excerpt(stored, marks) if marks else Markup(""), score=score)


# -- facets -------------------------------------------------------------------------------

def _facets(searcher, sets, matched, candidates, grants, filters) -> dict[str, dict[str, int]]:
    """Counts per facet value over the hits (`candidates`); the role facet over the hits
    as they would be without a role filter (disjunctive), so the quadrant keeps all four
    numbers."""
    disjunctive = bool(filters.get(DISJUNCTIVE))
    names = [name for name in (*SINGLE_VALUED, *MULTI_VALUED)
             if not (disjunctive and name == DISJUNCTIVE)]
    counts = count_values(sets, searcher, candidates, names)
    if disjunctive:
        without_roles = matched & sets.filter_docs(
            searcher, access_filter(grants, filters, leave_out=DISJUNCTIVE))
        counts.update(count_values(sets, searcher, without_roles, [DISJUNCTIVE]))
    return counts


# -- the search ---------------------------------------------------------------------------

def _best(searcher, sets, postings, user_query, candidates: frozenset[int], allowed: set[int],
          wanted: int, words: str) -> list[tuple[int, float]]:
    """The `wanted` best (document, score), best first; equal scores go to the lower
    document number, as in Whoosh. Scored here when scoring.py can (the same scores,
    far faster, and the typed words standing together count: proximity.py), by Whoosh
    otherwise."""
    try:
        # Proximity lifts hits from among the best RERANKED: those need their scores.
        keep = max(wanted, proximity.RERANKED) if proximity.reranks(searcher, words) else wanted
        scores = Scorer(searcher, sets, postings, candidates).best_scores(user_query, keep)
    except Unsupported:
        results = searcher.search(user_query, limit=wanted, filter=allowed)
        return [(hit.docnum, hit.score) for hit in results]
    return best(proximity.reranked(searcher, postings, words, scores), wanted)


def _page_hits(searcher, ranked: list[tuple[int, float]], user_query, request: SearchRequest,
               page: int) -> list[Hit]:
    """The hits of one page from the (document, score) pairs of all pages up to it."""
    marks = _words_to_mark(user_query) if request.excerpts else None
    start = (page - 1) * request.page_length
    return [stored_hit(searcher, docnum, score, marks)
            for docnum, score in ranked[start:start + request.page_length]]


def _constant_score(user_query) -> bool:
    """A prefix*, a wildcard or a bare `*` alone scores every match the same: show the
    newest."""
    return isinstance(user_query, (query.Prefix, query.Wildcard, query.Every))


def _user_query(searcher, words: str, request: SearchRequest, postings: Postings,
                readable: Callable[[], set[int]]) -> tuple[query.Query, bool, dict]:
    """(the query typed, with its fuzzy, prefix and wildcard terms expanded within the
    bounds of expansion.py into words the reader may see in some item; whether it scores
    every match the same; what the bounds held back)."""
    if not words:
        return query.Every(), True, {}
    parsed = parse_user_query(words, searcher.schema, request.synonyms, request.glossary)
    expanded, budget = expand(
        searcher.reader(), parsed,
        readable=lambda field, word: not postings.docs(field, word).isdisjoint(readable()))
    held_back = {name: tuple(terms) for name, terms in (
        ("dropped", budget.dropped), ("narrowed", budget.narrowed), ("loose", budget.loose))
        if terms}
    return expanded, _constant_score(parsed), held_back


def run_search(searcher, request: SearchRequest, grants: Grants) -> ResultPage:
    """With no words typed every allowed item matches, newest first, so that filters on
    their own work as browsing. A page past the end shows the last one."""
    words = request.text.strip()
    sets = docsets.for_searcher(searcher)
    postings = sets.postings(searcher)

    def readable() -> set[int]:
        """What the reader may see, filters aside: only expansion and suggestions ask,
        so a plain search does not make this set for each new index state."""
        return sets.filter_docs(searcher, access_filter(grants, {}))

    user_query, constant, held_back = _user_query(searcher, words, request, postings,
                                                  readable)
    allowed = sets.filter_docs(searcher, access_filter(grants, request.filters))
    matched = docs_matching(searcher, sets, user_query, postings)
    candidates = matched & allowed
    total = len(candidates)
    page_count = max(math.ceil(total / request.page_length), 1)
    page = min(max(request.page, 1), page_count)
    unscored = request.sort == "newest" or constant
    if not total:  # nothing to score; and Whoosh would read an empty filter as none at all
        hits = []
    else:
        wanted = page * request.page_length
        ranked = ([(docnum, 0.0) for docnum in sets.newest_first(searcher, candidates, wanted)]
                  if unscored   # newest first, straight from the match set: no scores
                  else _best(searcher, sets, postings, user_query, candidates, allowed, wanted,
                             words))
        hits = _page_hits(searcher, ranked, user_query, request, page)

    suggestion = None
    if request.suggest and words and total < SUGGEST_BELOW:
        suggestion = spelling_suggestion(searcher.reader(), postings, words, readable(),
                                         request.glossary)

    return ResultPage(
        hits=hits, total=total, page=page, page_count=page_count,
        page_length=request.page_length,
        facets=_facets(searcher, sets, matched, candidates, grants, request.filters)
        if request.facets else {},
        suggestion=suggestion, held_back=held_back,
    )
