"""The glossary: English words and phrases that lead a search to Dutch ones.

Readers whose interface is English type `noise` or `water board`; the library is
written in Dutch. Editors keep the glossary in content/glossary.yml (checked and read by
the content import); a search gets it as a Glossary for the reader's interface language,
and the query parser (parsing.py) finds its terms in the typed text: as a whole and the
longest first, so that `water board` stands for waterschap and its single words stand
for nothing of it. A term found stands for itself or its Dutch words; the English words
stay in the query, because content may hold them too.

English plurals are recognised here, from the glossary's own words (resident →
residents, policy → policies, process → processes), not by the index's Dutch stemmer:
that stems an English word as if it were Dutch, and would tie `resident` to
`residence`. Irregular forms (children) must be listed in the file.

False friends: an entry marked English-only (an English word that is also a Dutch
word with another meaning, such as `stage` or `rent`) applies only with the English
interface. With the Dutch one it is held back: the word is searched as the Dutch word it
also is, and its translation is only offered as "Bedoelde u".
"""
from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from itertools import product

from whoosh.support.levenshtein import levenshtein

from app.search.analysis import fold

# (English terms, Dutch words or phrases, applies only with the English interface)
Entry = tuple[Sequence[str], Sequence[str], bool]

NEAR_START = 2          # a near miss shares its first letters with the term (as spelling.py)
NEAR_SHORTEST = 4       # shorter words are never taken for a misspelt term
NEAR_TWO_EDITS = 6      # from this length a near miss may be two edits away
# An English word counts as a Dutch word too when Dutch text has it at least this often
# (wordfreq's Zipf scale: 3 is once per million words) and English text at most ten
# times as often. Dutch web text is full of English words, so frequency in Dutch alone
# would take `noise` or `policy` for Dutch; the ratio keeps `door`, `rent`, `stage`.
DUTCH_ZIPF = 3.0
ENGLISH_MARGIN = 1.0


def term_words(text: str) -> tuple[str, ...]:
    """'Water Boards' -> ('water', 'boards'): folded words, split as a query is split."""
    return tuple(re.findall(r"\w+", fold(text)))


def also_dutch(word: str) -> bool:
    """Whether an English word (folded) is also a common Dutch word, such as `door`,
    `stage` or `rent`: a false friend unless it means the same in both languages."""
    import wordfreq  # heavy: loaded only where the content import checks the glossary

    dutch = wordfreq.zipf_frequency(word, "nl")
    return dutch >= DUTCH_ZIPF and dutch >= wordfreq.zipf_frequency(word, "en") - ENGLISH_MARGIN


def plural_forms(word: str) -> set[str]:
    """The regular English plurals of a (folded) word: resident → residents, process →
    processes, authority → authorities."""
    forms = {f"{word}s"}
    if word.endswith(("s", "x", "z", "ch", "sh")):
        forms.add(f"{word}es")
    if len(word) > 2 and word.endswith("y") and word[-2] not in "aeiou":
        forms.add(f"{word[:-1]}ies")
    return forms


@dataclass(frozen=True)
class Match:
    """A glossary term found in a list of words: words[start:start + length]."""
    start: int
    length: int
    dutch: tuple[str, ...]
    applied: bool        # False: an English-only entry held back for a Dutch reader


class Glossary:
    """The glossary as one interface language uses it.

    Built from the entries in the file's order: an English term given twice counts
    where it comes first (the import reports the second)."""

    def __init__(self, entries: Iterable[Entry] = (), language: str = "nl"):
        self._terms: dict[tuple[str, ...], tuple[tuple[str, ...], bool]] = {}
        for english, dutch, english_only in entries:
            meaning = (tuple(dutch), language == "en" or not english_only)
            for term in english:
                words = term_words(term)
                if words and words not in self._terms:
                    self._terms[words] = meaning
        # Each form a typed word may have -> the terms' words it may be: `residents` is
        # `resident` in the plural, and also itself where a term has it as written.
        self._bases: dict[str, set[str]] = {}
        for base in {word for words in self._terms for word in words}:
            for form in (base, *plural_forms(base)):
                self._bases.setdefault(form, set()).add(base)
        self._longest = max(map(len, self._terms), default=0)

    def __bool__(self) -> bool:
        return bool(self._terms)

    def __len__(self) -> int:
        return len(self._terms)

    def matches(self, words: Sequence[str], starts: Collection[int] | None = None,
                ends: Collection[int] | None = None) -> list[Match]:
        """The terms among `words` (folded), left to right and the longest first, none
        overlapping another. With `starts` and `ends`, a term must begin at one of those
        positions and end at one (the words of one typed word are taken together)."""
        bases = [sorted(self._bases.get(word, ())) for word in words]
        found, start = [], 0
        while start < len(bases):
            match = self._longest_at(bases, start, starts, ends)
            if match:
                found.append(match)
            start += match.length if match else 1
        return found

    def _longest_at(self, bases: list[list[str]], start: int, starts, ends) -> Match | None:
        if starts is not None and start not in starts:
            return None
        for length in range(min(self._longest, len(bases) - start), 0, -1):
            if ends is not None and start + length - 1 not in ends:
                continue
            # Mostly one way to read each word; a form of two terms' words gives two.
            for term in product(*bases[start:start + length]):
                if term in self._terms:
                    return Match(start, length, *self._terms[term])
        return None

    def nearest(self, word: str) -> tuple[int, tuple[str, ...]] | None:
        """(edits, Dutch words) of the one-word term, or plural of one, fewest edits
        from the folded `word` that shares its first letters: one edit for a word of up to
        five letters, two for a longer one (as fuzzy~ terms get, expansion.py); ties go
        to the term first in the file."""
        if len(word) < NEAR_SHORTEST or word in self._bases:
            return None
        within = 1 if len(word) < NEAR_TWO_EDITS else 2
        best = None
        for words, (dutch, _applied) in self._terms.items():
            if len(words) != 1 or words[0][:NEAR_START] != word[:NEAR_START]:
                continue
            for form in (words[0], *sorted(plural_forms(words[0]))):
                edits = levenshtein(word, form, within)
                if 0 < edits <= within and (best is None or edits < best[0]):
                    best = (edits, dutch)
        return best
