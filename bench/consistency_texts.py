"""The texts the consistency harness writes, and what a search for them should find.

Every version of an item holds words no other version of any item holds, so "which
items hold this word now" has one exact answer, computed here from the texts that are
current in the database; search must give that answer and nothing else. The words are
made of consonants only: no Dutch word, no compound part from the lexicon and no
stemming rule reaches them, so whatever search finds beyond the answer is stale.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

CONSONANTS = "bcdfghjklmnpqrstvwxz"
WORD_LENGTH = 10
PREFIX_LENGTH = 7   # a prefix* query: long enough to be one word's alone
TYPO_AT = 5         # a typo here keeps the first letters, which suggestions must share


class Words:
    """Unique random words, never with a doubled last letter (which analysis undoubles)."""

    def __init__(self, seed: int):
        self._rng = random.Random(seed)
        self._given: set[str] = set()

    def new(self) -> str:
        while True:
            letters = [self._rng.choice(CONSONANTS)]
            while len(letters) < WORD_LENGTH:
                letter = self._rng.choice(CONSONANTS)
                if letter != letters[-1]:
                    letters.append(letter)
            word = "".join(letters)
            if word not in self._given and word[:PREFIX_LENGTH] not in {
                    given[:PREFIX_LENGTH] for given in self._given}:
                self._given.add(word)
                return word


def typo(word: str) -> str:
    """`word` with one letter replaced: one edit away, and no other word's neighbour."""
    replaced = word[TYPO_AT]
    other = CONSONANTS[(CONSONANTS.index(replaced) + 7) % len(CONSONANTS)]
    if other in (word[TYPO_AT - 1], word[TYPO_AT + 1]):
        other = CONSONANTS[(CONSONANTS.index(replaced) + 11) % len(CONSONANTS)]
    return word[:TYPO_AT] + other + word[TYPO_AT + 1:]


@dataclass(frozen=True)
class Version:
    """One version of an item: its own words `a` and `b`, a numbered token (numbers go
    through analysis differently from letters), and words shared with other items."""

    a: str
    b: str
    number: str
    shared: tuple[str, ...] = ()

    def fields(self) -> dict[str, str]:
        return {"title": f"{self.a} {self.number}", "summary": f"{self.a} {self.b}",
                "body": " ".join([self.a, self.b, self.number, *self.shared])}

    def words(self) -> set[str]:
        return {self.a, self.b, self.number, *self.shared}


@dataclass
class Item:
    key: int                  # its place among the items, for its numbered tokens
    id: int = 0
    slug: str = ""
    written: list[Version] = field(default_factory=list)  # every version ever sent

    def number(self, count: int) -> str:
        return f"nr{self.key}x{count}"


def words_of(fields: dict[str, str]) -> list[str]:
    """The words of an item's current texts, as the database holds them."""
    return re.findall(r"\w+", " ".join(fields[name] for name in ("title", "summary", "body")))


@dataclass
class Truth:
    """What each item holds now (from the database), and which items a reader may see."""

    words: dict[int, list[str]]      # item id -> its current words, in order
    summaries: dict[int, str]
    visible: set[int]

    def holding(self, word: str) -> set[int]:
        return {item for item, words in self.words.items() if word in words}

    def starting(self, prefix: str) -> set[int]:
        return {item for item, words in self.words.items()
                if any(word.startswith(prefix) for word in words)}

    def near(self, word: str) -> set[int]:
        """Items holding a word one edit (a replaced, added or dropped letter) away."""
        return {item for item, words in self.words.items()
                if any(_one_edit(word, theirs) for theirs in words)}

    def phrase(self, first: str, second: str) -> set[int]:
        return {item for item, summary in self.summaries.items()
                if f"{first} {second}" in summary}


def _one_edit(a: str, b: str) -> bool:
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    shorter, longer = sorted((a, b), key=len)
    return any(longer[:i] + longer[i + 1:] == shorter for i in range(len(longer)))
