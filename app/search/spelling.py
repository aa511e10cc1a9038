""""Bedoelde u …?": a close word for each unknown word of a search, from the words the
reader may see.

Whoosh's corrector takes its best few candidates from the whole index and ranks them by
frequency alone (its score uses the largest distance allowed, not each word's own).
Checking those few against what the reader may see afterwards let a word that occurs
only in hidden items push a readable one out, so the missing suggestion gave away that
the hidden word exists; and a common word two edits away beat a word one edit away.
Here every candidate is counted among the items the reader may see first, and the
fewest edits win, then the most readable items.
"""
from __future__ import annotations

import re

from app.search.analysis import fold
from app.search.expansion import FUZZY_MAX_LENGTH, Budget, lexicon_block, words_within
from app.search.postings import Postings
from app.search.schema import EXACT_FIELD

SAME_START = 2            # suggestions share the first letters: typos seldom sit there,
                          # and it keeps the word list to walk short
SHORTEST = 4              # shorter words are not corrected: too many look alike
WORDS_CORRECTED = 3       # unknown words looked at per search; a query of a hundred
                          # made-up words would otherwise walk the lexicon a hundred times
SUGGEST_WORK = 40_000     # lexicon work for all of them (expansion.py's units)
OPERATORS = {"AND", "OR", "NOT", "EN", "OF", "NIET"}


def _readable_count(postings: Postings, word: str, readable: set[int]) -> int:
    """In how many items the reader may see the word stands: what ranks candidates, so
    that hidden items weigh nothing."""
    return len(postings.docs(EXACT_FIELD, word) & readable)


def _unknown(word: str, postings: Postings, readable: set[int]) -> bool:
    """A word counts as known only where the reader may see it: whether a hidden item
    holds the word must not show in whether a correction is offered. Words longer than
    a fuzzy~ term may be are not corrected (the automaton grows with the word)."""
    folded = fold(word)
    return (word not in OPERATORS and SHORTEST <= len(folded) <= FUZZY_MAX_LENGTH
            and not _readable_count(postings, folded, readable))


def closest_readable(reader, postings: Postings, word: str, readable: set[int],
                     budget: Budget) -> str | None:
    """The readable word fewest edits from `word` (one, else two) that shares its first
    letters; of those, the one in most readable items (then the first in the alphabet)."""
    block, complete = lexicon_block(reader, EXACT_FIELD, word[:SAME_START], budget)
    seen = {word}
    for edits in (1, 2):
        if not complete:
            return None
        words, complete = words_within(block, word, edits, SAME_START, budget)
        counts = {candidate: _readable_count(postings, candidate, readable)
                  for candidate in words if candidate not in seen}
        seen.update(words)
        if any(counts.values()):
            return min(counts, key=lambda candidate: (-counts[candidate], candidate))
    return None


def suggestion(reader, postings: Postings, text: str, readable: set[int]) -> str | None:
    """The text with its first unknown words replaced by their closest readable words;
    None when nothing changed."""
    budget, corrected = Budget(work=SUGGEST_WORK), text
    unknown = [word for word in dict.fromkeys(re.findall(r"\w+", text))
               if _unknown(word, postings, readable)]
    for word in unknown[:WORDS_CORRECTED]:
        better = closest_readable(reader, postings, fold(word), readable, budget)
        if better:
            corrected = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", better, corrected)
    return corrected if corrected != text else None
