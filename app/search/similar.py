"""Items like a given one: "Vergelijkbare casussen", and likely duplicates of a title.

Similar, as a dossier holder means it: about the same things (the item's telling words)
and in the same kind of situation (the same roles and most important role, stakeholder
types, policy domain, phase, scale, learning group). Each similar item says what it
shares, most telling first, so that the page can say why it is listed.
"""
from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter

from whoosh import classify, query

from app.search.analysis import fold, lexicon, marker
from app.search.docsets import docsets
from app.search.query import Grants, Hit, access_filter, stored_hit
from app.search.schema import FIELD_WEIGHTS
from app.search.scoring import Scorer

KEY_TERMS = 20            # the item's telling words (Bo1 over its title, summary and body)
CONSIDERED = 3            # of the KEY_TERMS × this many best by Bo1, those others hold too
COMMON_SHARE = 0.25       # a word this share of the documents holds tells nothing of likeness,
COMMON_DOCS = 10          # once at least this many hold it (a small library has few of each)
LIKE_FIELDS = ("title", "summary", "body")   # where the words count, weighed as in search
# What each kind of likeness counts. The text counts TEXT_WEIGHT for a text as like the
# item as the item itself (its own score is the yardstick). A shared facet value counts
# its field's weight; in a multi-valued field the share of the item's values the other
# holds, each value weighted by its rarity (log(1 + documents / documents holding it)),
# so that sharing a telling stakeholder type weighs more than one every case has.
TEXT_WEIGHT = 8.0
FACET_WEIGHTS = {"stakeholders": 0.6, "domain": 0.5, "groups": 0.4, "lead_role": 0.3,
                 "roles": 0.3, "phase": 0.2, "scale": 0.2}
MULTI_VALUED_FACETS = frozenset({"stakeholders", "groups", "roles"})
BROAD_FACETS = frozenset({"roles", "lead_role"})  # each in a quarter of the library or more
# An item that holds none of the telling words is similar only by sharing this much (say
# stakeholder types and the domain): a domain and a role alone are shared by hundreds.
FACET_ONLY_MIN = 1.0
# The candidates scored in full: the best by text, and those sharing most facet values.
TEXT_POOL = 200
FACET_POOL = 100
# A word is named as shared only when it weighs at least this share of the item's most
# telling word, and is none of the most common Dutch words (wordfreq, as analysis has it).
TELLING_ENOUGH = 0.5
EVERYDAY_RANK = 1000
SURFACE_CHARS = 20_000    # how much of the item's text is read to find a word as written
DUPLICATE_OVERLAP = 0.75  # share of a title's words that makes another title look the same
DUPLICATE_CANDIDATES = 12  # titles checked exactly, of those holding enough of the words


@dataclass(frozen=True)
class Similar:
    """A similar item, and everything it shares with the item, what counts most first:
    (field, value) pairs of FACET_WEIGHTS' fields (a shared most important role is named
    as its role, under `roles`) and ("word", a telling word as the item writes it)."""
    hit: Hit
    shared: tuple[tuple[str, str], ...]


def similar_items(searcher, key: str, grants: Grants, *,
                  facets: Mapping[str, Iterable[str]] | None = None, kind: str = "case",
                  limit: int = 5) -> list[Similar]:
    """The `limit` items of `kind` most like the item `key`, by its telling words and by
    sharing its `facets` (field -> its values, for the fields of FACET_WEIGHTS); only
    what the reader may see, never the item itself.

    The candidates come from the index, never from scoring every document: the
    TEXT_POOL best of the items holding a telling word (scored from their postings, as a
    search is) and the FACET_POOL that share most of the item's facet values (counted
    on the per-state sets of docsets); only these are scored in full."""
    number = searcher.document_number(key=key)
    allowed = _allowed(searcher, grants, kind) - {number} if number is not None else set()
    if not allowed:
        return []
    sets = docsets.for_searcher(searcher)
    text = TextLikeness(searcher, sets, number, allowed)
    situation = FacetLikeness(searcher, sets, facets or {})
    candidates = text.best(TEXT_POOL) | situation.pool(allowed)
    situation.score_among(candidates)
    scores = {doc: text.score(doc) + situation.score(doc) for doc in candidates
              if doc in text.docs or situation.score(doc) >= FACET_ONLY_MIN}
    best = heapq.nlargest(limit, scores, key=lambda doc: (scores[doc], -doc))
    found = {doc: situation.shared(doc) + text.shared(doc) for doc in best}
    written = _as_written(searcher, number, {value for things in found.values()
                                             for _c, field, value in things if field == "word"})
    return [Similar(stored_hit(searcher, doc, scores[doc]), _ordered(found[doc], written))
            for doc in best]


class TextLikeness:
    """How like the item's text each candidate is: its BM25F score for the item's
    telling words (each weighted as Bo1 weighs it), over the item's own score."""

    def __init__(self, searcher, sets, number: int, allowed: set[int]):
        words = _key_terms(searcher, number)
        postings = sets.postings(searcher)
        matched = frozenset().union(*(postings.docs(field, word) for word in words
                                      for field in LIKE_FIELDS))
        self.docs = matched & allowed
        scorer = Scorer(searcher, sets, postings, self.docs | {number})
        self.by_word = {word: scorer.score(query.Or([
            query.Term(field, word, boost=weight * FIELD_WEIGHTS[field])
            for field in LIKE_FIELDS])) for word, weight in words.items()}
        top = max(words.values(), default=0.0)
        self.named = {word for word, weight in words.items() if weight >= TELLING_ENOUGH * top}
        self._scores = _summed(self.by_word.values())
        own = self._scores.pop(number, 0.0)
        self.yardstick = (own or max(self._scores.values(), default=1.0)) / TEXT_WEIGHT

    def score(self, doc: int) -> float:
        return self._scores.get(doc, 0.0) / self.yardstick

    def best(self, count: int) -> set[int]:
        return set(heapq.nlargest(count, self._scores, key=self._scores.__getitem__))

    def shared(self, doc: int) -> list[tuple[float, str, str]]:
        """(what it counts, "word", stem) for each of the most telling words `doc` holds:
        a reason names no everyday word ("nam", "zocht") that happened to be picked."""
        return [(scores[doc] / self.yardstick, "word", word)
                for word, scores in self.by_word.items() if doc in scores and word in self.named]


def _key_terms(searcher, number: int) -> dict[str, float]:
    """The item's telling words and their weights (Bo1, as more_like_this picks them),
    from its stored title, summary and body as the body field analyses them.

    Only words another document holds too: one the item alone has (a place name) finds
    nothing, and took the place of one that could. Nor words a large share of the
    library holds ("elkaar", "ministerie"): every case would be like every other by them."""
    stored = searcher.stored_fields(number)
    text = "\n".join(stored.get(field) or "" for field in LIKE_FIELDS)
    expander = classify.Expander(searcher.reader(), "body", model=classify.Bo1Model)
    expander.add_text(text)
    common = max(COMMON_DOCS, COMMON_SHARE * searcher.doc_count())
    words = {}
    for word, weight in expander.expanded_terms(KEY_TERMS * CONSIDERED):
        if 2 <= searcher.doc_frequency("body", word) <= common:
            words[word] = weight
            if len(words) == KEY_TERMS:
                break
    return words


def _summed(parts: Iterable[Mapping[int, float]]) -> dict[int, float]:
    total: dict[int, float] = {}
    for part in parts:
        for doc, score in part.items():
            total[doc] = total.get(doc, 0.0) + score
    return total


class FacetLikeness:
    """What documents share of the item's facet values, and what that counts."""

    def __init__(self, searcher, sets, facets: Mapping[str, Iterable[str]]):
        live = sets.count or 1
        self.values: list[tuple[str, str, float, frozenset[int]]] = []
        for field, values in facets.items():
            known = sets.value_docs(searcher, field)
            mine = {value: known.get(value, frozenset()) for value in values if value}
            rarity = {value: math.log(1 + live / max(len(docs), 1))
                      for value, docs in mine.items()}
            whole = sum(rarity.values()) if field in MULTI_VALUED_FACETS else 0.0
            weight = FACET_WEIGHTS.get(field, 0.0)
            self.values += [(field, value, weight * rarity[value] / whole if whole else weight,
                             docs) for value, docs in mine.items()]
        self._scores: dict[int, float] = {}
        self._among: list[tuple[str, str, float, frozenset[int]]] = []

    def pool(self, allowed: set[int]) -> set[int]:
        """The FACET_POOL allowed documents holding most of the item's values, counted in
        C (Counter over the sets); the roles, which a quarter of the library or more
        holds each, are left out of the count (they cannot reach FACET_ONLY_MIN alone)."""
        held = Counter(chain.from_iterable(docs & allowed for field, _value, _counts, docs
                                           in self.values if field not in BROAD_FACETS))
        return {doc for doc, _count in heapq.nlargest(FACET_POOL, held.items(),
                                                      key=itemgetter(1))}

    def score_among(self, candidates: set[int]) -> None:
        """Score `candidates`: each value's documents intersected with them, so the cost is
        that of the candidates holding the value."""
        self._among = [(field, value, counts, docs & candidates)
                       for field, value, counts, docs in self.values]
        self._scores = _summed(dict.fromkeys(docs, counts) for _f, _v, counts, docs in self._among)

    def score(self, doc: int) -> float:
        return self._scores.get(doc, 0.0)

    def shared(self, doc: int) -> list[tuple[float, str, str]]:
        """(what it counts, field, value) for each value `doc` shares; a shared most
        important role counts with the role it is."""
        found: dict[tuple[str, str], float] = {}
        for field, value, counts, docs in self._among:
            if doc in docs:
                name = ("roles" if field == "lead_role" else field, value)
                found[name] = found.get(name, 0.0) + counts
        return [(counts, field, value) for (field, value), counts in found.items()]


def _as_written(searcher, number: int, stems: set[str]) -> dict[str, str]:
    """Each stem as the item writes it, for a reason to show: its first lower-case form
    in the item's title, summary and body, else its first form ("HSL"). Not a stem that
    only occurs inside compounds, and no everyday word ("waar", "niemand"): in a small
    library such words can be among an item's telling ones, but tell a reader nothing."""
    written: dict[str, str] = {}
    if not stems:
        return written
    stored = searcher.stored_fields(number)
    text = "\n".join(stored.get(field) or "" for field in LIKE_FIELDS)[:SURFACE_CHARS]
    ranks = lexicon()
    for token in marker("dutch")(text):
        stem, form = token.text, text[token.startchar:token.endchar]
        if token.stopped or stem not in stems or _everyday(form, ranks):
            continue
        if stem not in written or form.islower() and not written[stem].islower():
            written[stem] = form
            if len(written) == len(stems) and all(map(str.islower, written.values())):
                break
    return written


def _everyday(word: str, ranks: Mapping[str, int]) -> bool:
    return ranks.get(fold(word), EVERYDAY_RANK) < EVERYDAY_RANK


def _ordered(contributions: list[tuple[float, str, str]],
             written: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """What is shared, what counts most first; a word as the item writes it, and only
    when it has such a form to show."""
    ordered = sorted(contributions, key=lambda found: (-found[0], found[1], found[2]))
    return tuple((field, written[value] if field == "word" else value)
                 for _counts, field, value in ordered if field != "word" or value in written)


def _allowed(searcher, grants: Grants, kind: str) -> set[int]:
    """The documents of `kind` the reader may see, from the per-state filter sets."""
    return docsets.for_searcher(searcher).filter_docs(
        searcher, access_filter(grants, {"kind": frozenset({kind})}))


def _title_words(searcher, title: str) -> set[str]:
    return {token.text for token in searcher.schema["title"].analyzer(title)}


def likely_duplicates(searcher, title: str, grants: Grants, *, kind: str = "case",
                      limit: int = 3) -> list[Hit]:
    """Visible items of `kind` whose title shares most of its words with `title`.

    Counted from the title postings rather than by a scored search: a word that most
    titles hold ("artikel", "wet") made Whoosh score every one of them, a fifth of a
    second per title on 5,000 cases. A look-alike must hold at least DUPLICATE_OVERLAP of
    the words; the candidates with the most shared words (the shortest titles first) are
    then checked exactly against their stored titles.
    """
    words = _title_words(searcher, title)
    allowed = _allowed(searcher, grants, kind)
    if not words or not allowed:
        return []
    sets = docsets.for_searcher(searcher)
    postings = sets.postings(searcher)
    holders = sorted((postings.docs("title", word) for word in words), key=len)
    needed = math.ceil(DUPLICATE_OVERLAP * len(words))
    # Whoever holds `needed` of the words holds one of the len - needed + 1 rarest: only
    # those titles are counted, so that a word in every title costs nothing.
    pool = set().union(*holders[:len(words) - needed + 1]) & allowed
    shared = Counter(chain.from_iterable(docs & pool for docs in holders))   # in C
    lengths = sets.length_bytes(searcher, "title")
    candidates = sorted((doc for doc, count in shared.items() if count >= needed),
                        key=lambda doc: (-shared[doc], lengths[doc], doc))
    found = []
    for doc in candidates[:DUPLICATE_CANDIDATES]:
        theirs = _title_words(searcher, searcher.stored_fields(doc)["title"])
        overlap = len(words & theirs) / max(len(words | theirs), 1)
        if overlap >= DUPLICATE_OVERLAP:
            found.append((overlap, doc))
    found.sort(key=lambda pair: -pair[0])
    return [stored_hit(searcher, doc, overlap) for overlap, doc in found[:limit]]
