"""Whoosh's BM25F scores for the documents a query matched, a term at a time.

Whoosh scores through a tree of matchers, one document at a time, at about 5 µs per
posting per field: for a common word in five fields that was most of a search's time
(370 ms for `artikel` at 50,000 documents, of which most went to scoring documents
that would never reach the first page). The set of matching documents is known before
scoring (docsets.docs_matching), so here each term's postings are read once, in
blocks, and its BM25 weight is added for the matching documents that contain it.

The scores are Whoosh's own, not an approximation: a node adds up the scores of the
children that match the document, as Whoosh's union and intersection matchers do, with
the same boosts, statistics and length quantisation (equal up to the order in which
floating-point numbers are added). Parts this module does not score (prefix and fuzzy
terms, which the site expands into words first (expansion.py), a phrase with slop, a
coordination bonus, another weighting) raise `Unsupported`, and the caller lets Whoosh
score that query. tests/test_search_package.py holds both to the same results.
"""
from __future__ import annotations

import heapq
from bisect import bisect_left

from whoosh import query
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

from app.search.docsets import docs_matching, phrase_docs
from app.search.postings import Postings

Scores = dict[int, float]
PRUNE_ABOVE = 8   # candidates per document wanted, above which best_scores may prune


class Unsupported(Exception):
    """A query part scored here differently from Whoosh, or not at all."""


class Scorer:
    def __init__(self, searcher, sets, postings: Postings, candidates: frozenset[int]):
        self.searcher = searcher
        self.sets = sets
        self.postings = postings
        self.candidates = candidates  # the documents worth a score: matched and allowed
        weighting = searcher.weighting
        if not isinstance(weighting, BM25F):
            raise Unsupported(type(weighting).__name__)
        self.K1 = weighting.K1
        self.B_by_field = weighting._field_B
        self.B = weighting.B
        self._norms: dict[str, list[float]] = {}

    def best_scores(self, node: query.Query, keep: int) -> Scores:
        """The scores of at least the `keep` best candidates, and of any document that
        ties with them; others may be left out (see _pruned)."""
        if (isinstance(node, query.Or) and node.boost == 1.0 and not node.scale
                and not node.minmatch and len(node.subqueries) > 1
                and all(isinstance(sub, query.Term) for sub in node.subqueries)
                and len(self.candidates) > keep * PRUNE_ABOVE):
            return self._pruned(node.subqueries, keep)
        return self.score(node)

    def _pruned(self, terms: list[query.Term], keep: int) -> Scores:
        """A word in several fields, scored field by field in the query's order (the
        sums as score() makes them, to the last bit). Once the `keep`-th best score so
        far is above what the remaining fields could still give a document, no document
        not yet scored can reach the best `keep`, and of those scored only the ones that
        still could are scored further."""
        bounds = [self._bound(term) for term in terms]
        remaining = [sum(bounds[at:]) * (1 + 1e-9) for at in range(len(terms))]
        summed: Scores = {}
        for at, term in enumerate(terms):
            if len(summed) >= keep:
                lowest = heapq.nlargest(keep, summed.values())[-1]
                alive = ([doc for doc, score in summed.items()
                          if score + remaining[at] >= lowest]
                         if remaining[at] < lowest else ())
                # Worth it when most drop out (not for a word in most titles: `besluit`).
                if alive and len(alive) * 4 < len(summed):
                    among = frozenset(alive)
                    summed = {doc: summed[doc] for doc in alive}
                    for rest in terms[at:]:
                        self._term(rest.fieldname, rest.text, rest.boost, into=summed,
                                   among=among)
                    return summed
            self._term(term.fieldname, term.text, term.boost, into=summed)
        return summed

    def _bound(self, term: query.Term) -> float:
        """More than the term's score in any document: its highest frequency in the
        field's shortest document (BM25 rises with the frequency and falls with the
        length)."""
        ids, frequencies = self.postings.of(term.fieldname, term.text)
        if not ids:
            return 0.0
        top = max(frequencies)
        return self.searcher.idf(term.fieldname, term.text) * (
            (top * (self.K1 + 1)) / (top + min(self._field_norms(term.fieldname)))
        ) * term.boost

    def score(self, node: query.Query) -> Scores:
        """Each candidate document that `node` matches, with its score."""
        if isinstance(node, query.Term):
            return self._term(node.fieldname, node.text, node.boost)
        if isinstance(node, query.Phrase) and node.slop == 1:
            return self._phrase(node)
        if isinstance(node, (query.And, query.Or)):
            return self._compound(node)
        if isinstance(node, query.AndNot):
            excluded = docs_matching(self.searcher, self.sets, node.b, self.postings)
            return {doc: s for doc, s in self.score(node.a).items() if doc not in excluded}
        if isinstance(node, query.Require):
            required = docs_matching(self.searcher, self.sets, node.b, self.postings)
            return {doc: s for doc, s in self.score(node.a).items() if doc in required}
        if isinstance(node, query.AndMaybe):
            scores, extra = self.score(node.a), self.score(node.b)
            return {doc: s + extra.get(doc, 0.0) for doc, s in scores.items()}
        if isinstance(node, query.Not):
            # `NIET dijk`: Whoosh's inverse matcher scores 1.0, but walks every document
            # in Python (NIET before fifteen words took 3 s at 50,000 articles).
            excluded = docs_matching(self.searcher, self.sets, node.query, self.postings)
            return {doc: 1.0 for doc in self.candidates if doc not in excluded}
        if isinstance(node, query.Every):
            # A bare `*`. Whoosh's matcher reads every posting of the field to list the
            # documents that have it (10 s at 50,000 articles), then scores each `boost`.
            return dict.fromkeys(self.candidates, node.boost)
        if node is query.NullQuery:
            return {}
        raise Unsupported(type(node).__name__)

    def _compound(self, node) -> Scores:
        if isinstance(node, query.Or) and (node.scale or node.minmatch):
            raise Unsupported("coordination")
        subs = node.subqueries
        if len(subs) == 1:          # Whoosh uses the only child's matcher, boost and all
            return self.score(subs[0])
        if not subs:
            return {}
        if isinstance(node, query.And):
            parts = [self.score(sub) for sub in subs]
            common = set(parts[0]).intersection(*parts[1:])
            summed = {doc: sum(part[doc] for part in parts) for doc in common}
        else:
            summed: Scores = {}
            for sub in subs:   # a word's fields straight into one sum: no dict per field
                if isinstance(sub, query.Term):
                    self._term(sub.fieldname, sub.text, sub.boost, into=summed)
                else:
                    for doc, s in self.score(sub).items():
                        summed[doc] = summed.get(doc, 0.0) + s
        if node.boost != 1.0:
            summed = {doc: s * node.boost for doc, s in summed.items()}
        return summed

    def _phrase(self, node: query.Phrase) -> Scores:
        """A phrase scores the sum of its words, in the documents that hold the phrase
        (Whoosh's span matcher scores its intersection of the words)."""
        found = phrase_docs(self.postings, node.fieldname, node.words) & self.candidates
        summed: Scores = {}
        for word in node.words:
            self._term(node.fieldname, word, 1.0, into=summed, among=found)
        if node.boost != 1.0:
            summed = {doc: s * node.boost for doc, s in summed.items()}
        return summed

    def _field_norms(self, field: str) -> list[float]:
        """K1 · ((1 - B) + B · length / average) for each of the 256 stored length bytes:
        the same for every word of a field, so made once per field and search."""
        if field not in self._norms:
            if not self.searcher.schema[field].scorable:
                raise Unsupported(field)
            average = self.searcher.avg_field_length(field) or 1
            B = self.B_by_field.get(field, self.B)
            self._norms[field] = [self.K1 * ((1 - B) + B * byte_to_length(b) / average)
                                  for b in range(256)]
        return self._norms[field]

    def _term(self, field: str, text, boost: float, into=None, among=None) -> Scores:
        """The term's score in each candidate (or each of `among`) that holds it; added
        to `into` if given."""
        scores = {} if into is None else into
        ids, frequencies = self.postings.of(field, text)
        among = self.candidates if among is None else among
        if not ids or not among:
            return scores
        searcher = self.searcher
        norms = self._field_norms(field)
        lengths = self.sets.length_bytes(searcher, field)
        idf, k1_plus_1 = searcher.idf(field, text), self.K1 + 1
        if len(among) * 16 < len(ids):
            ids, frequencies = _postings_among(ids, frequencies, among)
            among = _ALL
        for doc, frequency in zip(ids, frequencies, strict=True):
            if doc in among:
                # Whoosh's bm25() term for term, then the boost of its wrapping matcher.
                scores[doc] = scores.get(doc, 0.0) + idf * (
                    (frequency * k1_plus_1) / (frequency + norms[lengths[doc]])) * boost
        return scores


def best(scores: Scores, count: int) -> list[tuple[int, float]]:
    """The `count` best (document, score), best first, equal scores to the lower document
    number, as in Whoosh. The count-th best score is found first among the bare scores
    (in C), so only the few documents that reach it are sorted: a key function called for
    each of the 36,000 hits of a common word took 12 ms."""
    if len(scores) <= count:
        return sorted(scores.items(), key=_best_first)
    lowest = heapq.nlargest(count, scores.values())[-1]
    return sorted(((doc, score) for doc, score in scores.items() if score >= lowest),
                  key=_best_first)[:count]


def _best_first(item: tuple[int, float]) -> tuple[float, int]:
    return -item[1], item[0]


class _Everything:
    def __contains__(self, doc) -> bool:
        return True


_ALL = _Everything()


def _postings_among(ids: list[int], frequencies: list[float],
                    among) -> tuple[list[int], list[float]]:
    """The postings whose document is one of the few `among`, looked up by bisection:
    walking all 50,000 postings of `artikel` for the 25 documents that also hold a rare
    word beside it cost 2 ms a field."""
    found_ids, found_frequencies = [], []
    for doc in sorted(among):
        at = bisect_left(ids, doc)
        if at < len(ids) and ids[at] == doc:
            found_ids.append(doc)
            found_frequencies.append(frequencies[at])
    return found_ids, found_frequencies
