"""Words of a query that stand close together in a text: a bonus for the best few hits.

BM25 scores each word on its own, so a text that says "overlast door geluid van het
spoor" and one that mentions `geluid` in its first paragraph and `spoor` in its last
score alike. A reader who types several words usually means them together. The best
RERANKED hits by BM25 each get, for every pair of neighbouring typed words, a bonus when
the two stand within WINDOW positions of each other in the body (stop words do not
count: they have no position), the more so the closer and the rarer the words.

Only the best few are looked at, and their positions are found by bisecting the
postings already read for scoring, so the cost does not grow with the size of the
library. Ranking below the first RERANKED hits is BM25's alone.
"""
from __future__ import annotations

import itertools
import re
from bisect import bisect_left
from collections.abc import Sequence

from app.search.postings import Postings
from app.search.scoring import best

RERANKED = 100        # the best hits by BM25 that may move up
WINDOW = 3            # positions apart that still count as "together"
WEIGHT = 1.0          # the bonus of two adjacent words, in units of the rarer one's idf
FIELD = "body"
# A word typed after a minus or NIET/NOT is excluded, not wanted near the others; the
# words of a "phrase" stand together already wherever it is found.
_LEFT_OUT = re.compile(
    r'(?:(?:(?<!\S)-|\b(?:NIET|NOT)\s+)(?:\([^)]*\)?|"[^"]*"?|\S+))|"[^"]*"?')


def typed_words(searcher, text: str) -> list[str]:
    """The analysed words of `text` in the order typed, each once; stop words, excluded
    words and quoted phrases left out."""
    analyzer = searcher.schema[FIELD].analyzer
    kept = _LEFT_OUT.sub(" ", text)
    return list(dict.fromkeys(token.text for token in analyzer(kept, mode="query")))


def _positions(postings: Postings, word: str, doc: int) -> Sequence[int]:
    """Where `word` stands in document `doc`'s body; empty when it is not there. The
    postings are in document order, so one bisection finds the document."""
    term = postings.term(FIELD, word)
    at = bisect_left(term.ids, doc)
    if at == len(term.ids) or term.ids[at] != doc or not term.has_values():
        return ()
    return postings.unpack(FIELD, term.value_at(at))


def _closest(first: Sequence[int], second: Sequence[int]) -> int | None:
    """The smallest distance between a position of one and of the other, both sorted."""
    best, i, j = None, 0, 0
    while i < len(first) and j < len(second):
        distance = abs(first[i] - second[j])
        if distance and (best is None or distance < best):
            best = distance
        if first[i] < second[j]:
            i += 1
        else:
            j += 1
    return best


def bonuses(searcher, postings: Postings, words: list[str], docs: list[int]) -> dict[int, float]:
    """Each of `docs` whose body holds neighbouring typed words close together, with
    its bonus."""
    pairs = list(itertools.pairwise(words))
    if not pairs or not docs:
        return {}
    idf = {word: searcher.idf(FIELD, word) for word in words}
    found: dict[int, float] = {}
    for doc in docs:
        where = {word: _positions(postings, word, doc) for word in words}
        bonus = 0.0
        for first, second in pairs:
            distance = _closest(where[first], where[second])
            if distance is not None and distance <= WINDOW:
                bonus += WEIGHT * min(idf[first], idf[second]) / distance
        if bonus:
            found[doc] = bonus
    return found


def reranks(searcher, text: str) -> bool:
    """Whether reranked() may move hits of a search for `text`."""
    return len(typed_words(searcher, text)) >= 2


def reranked(searcher, postings: Postings, text: str,
             scores: dict[int, float]) -> dict[int, float]:
    """`scores` with the proximity bonus added to the best RERANKED of them."""
    words = typed_words(searcher, text)
    if len(words) < 2:
        return scores
    extra = bonuses(searcher, postings, words, [doc for doc, _ in best(scores, RERANKED)])
    if not extra:
        return scores
    return {**scores, **{doc: scores[doc] + bonus for doc, bonus in extra.items()}}
