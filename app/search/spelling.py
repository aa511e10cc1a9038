""""Bedoelde u …?": a close word for each unknown word of a search, from the words the
reader may see.

Whoosh's corrector takes its best few candidates from the whole index and ranks them by
frequency alone (its score uses the largest distance allowed, not each word's own).
Checking those few against what the reader may see afterwards let a word that occurs
only in hidden items push a readable one out, so the missing suggestion gave away that
the hidden word exists; and a common word two edits away beat a word one edit away.
Here every candidate is counted among the items the reader may see first, and the
fewest edits win, then the most readable items.

The glossary (glossary.py) takes part: an English term held back for a Dutch reader (a
false friend) is offered as its Dutch word, and so is a misspelt English term (`noice`
→ geluid) when no readable word is as close; an English term the search used is not
taken for a typo. A Dutch word is offered only when the reader may see it somewhere.
"""
from __future__ import annotations

import re

from app.search.analysis import STOP_WORDS, fold
from app.search.expansion import FUZZY_MAX_LENGTH, Budget, lexicon_block, words_within
from app.search.glossary import Glossary, term_words
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
                     budget: Budget, most_edits: int = 2) -> str | None:
    """The readable word fewest edits from `word` (one, else two) that shares its first
    letters; of those, the one in most readable items (then the first in the alphabet)."""
    block, complete = lexicon_block(reader, EXACT_FIELD, word[:SAME_START], budget)
    seen = {word}
    for edits in range(1, most_edits + 1):
        if not complete:
            return None
        words, complete = words_within(block, word, edits, SAME_START, budget)
        counts = {candidate: _readable_count(postings, candidate, readable)
                  for candidate in words if candidate not in seen}
        seen.update(words)
        if any(counts.values()):
            return min(counts, key=lambda candidate: (-counts[candidate], candidate))
    return None


def _readable_dutch(postings: Postings, dutch: tuple[str, ...], readable: set[int]) -> str | None:
    """The first of a glossary term's Dutch words (or phrases) whose every word some item
    the reader may see holds (stop words are in no item: the index leaves them out)."""
    for candidate in dutch:
        if all(_readable_count(postings, word, readable) for word in term_words(candidate)
               if word not in STOP_WORDS):
            return candidate
    return None


def _glossary_words(text: str, glossary: Glossary, postings: Postings,
                    readable: set[int]) -> tuple[dict[str, str], set[str]]:
    """(typed text -> the Dutch word it is offered as, for English terms held back; the
    words of English terms the search used, which are not typos)."""
    found = list(re.finditer(r"\w+", text))
    words = [fold(match.group()) for match in found]
    offered, used = {}, set()
    for match in glossary.matches(words):
        span = found[match.start:match.start + match.length]
        if match.applied:
            used.update(word.group() for word in span)
        elif dutch := _readable_dutch(postings, match.dutch, readable):
            offered[text[span[0].start():span[-1].end()]] = dutch
    return offered, used


def _correction(reader, postings: Postings, word: str, readable: set[int], budget: Budget,
                glossary: Glossary) -> str | None:
    """The closest readable word; or a misspelt English term's Dutch word, when no
    readable word is as close."""
    near = glossary.nearest(word)
    dutch = _readable_dutch(postings, near[1], readable) if near else None
    better = closest_readable(reader, postings, word, readable, budget,
                              most_edits=near[0] if dutch else 2)
    return better or dutch


def _replaced(text: str, typed: str, better: str) -> str:
    return re.sub(rf"(?<!\w){re.escape(typed)}(?!\w)", better, text)


def suggestion(reader, postings: Postings, text: str, readable: set[int],
               glossary: Glossary | None = None) -> str | None:
    """The text with its first unknown words replaced by their closest readable words,
    and English terms held back by their Dutch words; None when nothing changed."""
    glossary = glossary or Glossary()
    budget, corrected = Budget(work=SUGGEST_WORK), text
    offered, used = _glossary_words(text, glossary, postings, readable)
    for typed, dutch in offered.items():
        corrected = _replaced(corrected, typed, dutch)
    unknown = [word for word in dict.fromkeys(re.findall(r"\w+", corrected))
               if word not in used and _unknown(word, postings, readable)]
    for word in unknown[:WORDS_CORRECTED]:
        better = _correction(reader, postings, fold(word), readable, budget, glossary)
        if better:
            corrected = _replaced(corrected, word, better)
    return corrected if corrected != text else None
