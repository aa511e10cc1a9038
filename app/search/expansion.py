"""Fuzzy~, prefix* and wild*card terms, expanded into the words they stand for, within
bounds.

Such a term stands for every indexed word within a few edits of it, or starting with
it, and finding those words means walking the lexicon. Measured at 50,000 articles
(145,000 words in the unstemmed field): `woord~2` took 3,447 steps of Whoosh's
Levenshtein automaton, each a binary search of the term table on disk (0.46 s in all);
the same walk ran again for matching, for Whoosh's scoring and for highlighting, and
Whoosh then scored the 78 words it found one posting at a time; 55 such terms, typed
anonymously, took 91 s. Here each term is expanded once per search, into plain terms
that the fast matcher and scorer handle (docsets.py, scoring.py), within bounds:

- at most EXPANDING_TERMS of them per query; later ones are searched as the word
  typed, and so is a pattern that starts with `*` (it would walk the whole lexicon);
- a fuzzy word shares its first letter with the typed one (typos seldom sit there, and
  the walk gets five times shorter), and a short word gets fewer edits (`lid~2` would
  stand for 800 words);
- at most WORDS_PER_TERM words per term: the fewest edits first, then the most common,
  and only words the reader may see in some item (a word only hidden items hold must
  neither take a place nor bring about the notice that words were left out: that would
  tell the reader it exists);
- per query, at most LEXICON_WORK units of lexicon work, counted as the walks go, and
  at most POSTINGS postings brought in by all the words found.

Phrases are bounded here too: word positions are checked for the first PHRASES typed
phrases of a query, and for as many phrases that synonyms of several words stand for;
later ones are searched as all their words in any order (a synonym's without a notice:
nobody typed it).

What had to be left out is kept in the Budget, so that the reader can be told.
"""
from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice
from typing import NamedTuple

from whoosh import query
from whoosh.automata.fsa import find_all_matches
from whoosh.automata.lev import levenshtein_automaton
from whoosh.support.levenshtein import levenshtein

from app.search.parsing import SynonymPhrase

EXPANDING_TERMS = 5      # fuzzy, prefix and wildcard terms per query
WORDS_PER_TERM = 50      # words one such term stands for
POSTINGS = 250_000       # documents × words the expansions of one query may bring in:
                         # matching and scoring cost about 1 µs each (`a*` alone: 150,000)
PHRASES = 8              # typed phrases checked per query, and as many of synonyms:
                         # one of common words costs 25 ms a field at 50,000 articles
FUZZY_PREFIX = 1         # letters a fuzzy word shares with the typed one
FUZZY_MAX_LENGTH = 30    # longer words are not expanded: the automaton grows with them
# Lexicon work per query, in units of about 2 µs (measured at 50,000 articles): a word
# listed costs 1, a word with its statistics 2, a word's document count 4, a step of
# the automaton 7. Five long fuzzy words (`bestuursorgaan~2` …) take about 70,000.
LEXICON_WORK = 150_000
LISTED, WITH_STATISTICS, COUNTED, AUTOMATON_STEP = 1, 2, 4, 7
CHECKS_PER_TERM = 4 * WORDS_PER_TERM   # words looked up in the items the reader may see

# (field, word) -> whether some item the reader may see holds the word.
Readable = Callable[[str, str], bool]


def _everything(_field: str, _word: str) -> bool:
    return True


class Found(NamedTuple):
    """An indexed word a term stands for; sorts best first."""
    edits: int           # 0 for prefix and wildcard words
    rarity: int          # minus the number of documents with the word
    word: str


def edits_allowed(word: str, asked: int) -> int:
    """Two edits only for words of six letters or more, one for three to five, none for
    shorter: within two edits of a short word lies much of the lexicon."""
    return min(asked, 2, 0 if len(word) < 3 else 1 if len(word) < 6 else 2)


@dataclass
class Budget:
    """What one query may still spend on expansion, and what it had to leave out."""
    work: int = LEXICON_WORK
    terms: int = EXPANDING_TERMS
    postings: int = POSTINGS
    dropped: list[str] = field(default_factory=list)    # searched as the typed word
    narrowed: list[str] = field(default_factory=list)   # some of their words left out
    loose: list[str] = field(default_factory=list)      # phrases searched as loose words
    phrases: set[tuple] = field(default_factory=set)    # the word sequences checked
    synonym_phrases: set[tuple] = field(default_factory=set)   # of synonyms, apart
    blocks: dict = field(default_factory=dict)          # lexicon_block's, by start

    def spend(self, units: int) -> bool:
        """Takes `units` of work; False, and the budget spent, when they are not left."""
        if units > self.work:
            self.work = 0
            return False
        self.work -= units
        return True

    def keep(self, found: list[Found], readable: Callable[[str], bool]
             ) -> tuple[list[Found], bool]:
        """The best of `found` that are `readable`, as many as WORDS_PER_TERM and the
        postings left allow; and whether a readable word was left out (or might have
        been, past CHECKS_PER_TERM looked up). Words only hidden items hold are passed
        over."""
        kept: list[Found] = []
        for checked, entry in enumerate(found):
            if checked == CHECKS_PER_TERM:
                return kept, True
            if not readable(entry.word):
                continue
            if len(kept) == WORDS_PER_TERM or -entry.rarity > self.postings:
                return kept, True
            self.postings += entry.rarity
            kept.append(entry)
        return kept, False


def lexicon_block(reader, fieldname: str, start: str, budget: Budget) -> tuple[list[str], bool]:
    """(the indexed words that start with `start`, in order; whether that is all of them).
    A fuzzy word shares its first letters with the typed one, so its automaton walks
    this list in memory: on disk, each step was a binary search of the term table, read
    a few bytes at a time (0.13 ms at 50,000 articles; listing a word costs 5 µs)."""
    if start not in budget.blocks:
        words = [btext.decode("utf-8") for btext in
                 islice(reader.expand_prefix(fieldname, start), budget.work // LISTED + 1)]
        complete = budget.spend(len(words) * LISTED)
        budget.blocks[start] = (words if complete else words[:-1]), complete
    return budget.blocks[start]


def words_within(block: list[str], word: str, edits: int, prefix: int,
                 budget: Budget) -> tuple[list[str], bool]:
    """(the words of `block` within `edits` of `word` that share its first `prefix`
    letters; whether the walk was complete). Whoosh's own walk (terms_within), with a
    Levenshtein automaton, but each step counted against `budget`."""
    complete = True

    def next_word(at_least: str) -> str | None:
        nonlocal complete
        if not budget.spend(AUTOMATON_STEP):
            complete = False
            return None
        position = bisect_left(block, at_least)
        return block[position] if position < len(block) else None

    automaton = levenshtein_automaton(word, edits, prefix).to_dfa()
    return list(find_all_matches(automaton, next_word)), complete


def _fuzzy_words(reader, node: query.FuzzyTerm, budget: Budget) -> tuple[list[Found], bool]:
    """The closest words, best first. One edit is walked before two, so that a walk cut
    short loses only the farther words."""
    edits = edits_allowed(node.text, node.maxdist)
    prefix = min(max(node.prefixlength, FUZZY_PREFIX), len(node.text))
    block, complete = lexicon_block(reader, node.fieldname, node.text[:prefix], budget)
    found: set[str] = set()
    for distance in range(min(edits, 1), edits + 1):
        if not complete:
            break
        words, complete = words_within(block, node.text, distance, prefix, budget)
        found.update(words)
    counted = []
    for edits, word in sorted((levenshtein(word, node.text), word) for word in found):
        if not budget.spend(COUNTED):
            complete = False
            break
        counted.append(Found(edits, -reader.doc_frequency(node.fieldname, word), word))
    return sorted(counted), complete


def _pattern_words(reader, node: query.PatternQuery, budget: Budget) -> tuple[list[Found], bool]:
    """The most common words starting with the prefix (and matching the pattern, for a
    wildcard), best first, read from the lexicon within `budget`. Read segment by
    segment: across segments, Whoosh looks each word up in every segment again."""
    start = node.text.split("*", 1)[0]
    pattern = re.compile(".*".join(map(re.escape, node.text.split("*"))) + r"\Z")
    documents: dict[bytes, int] = {}
    for leaf, _base in reader.leaf_readers():
        for btext, info in leaf.iter_prefix(node.fieldname, start):
            if not budget.spend(WITH_STATISTICS):
                return _found(documents, node, pattern), False
            documents[btext] = documents.get(btext, 0) + info.doc_frequency()
    return _found(documents, node, pattern), True


def _found(documents: dict[bytes, int], node, pattern) -> list[Found]:
    """The listed words a prefix or wildcard stands for, best first (most common)."""
    words = ((btext.decode("utf-8"), count) for btext, count in documents.items())
    return sorted(Found(0, -count, word) for word, count in words
                  if isinstance(node, query.Prefix) or pattern.match(word))


def _typed(node) -> str:
    """The term as the reader typed it, for the notice."""
    if isinstance(node, query.FuzzyTerm):
        return f"{node.text}~{node.maxdist if node.maxdist != 1 else ''}"
    return node.text + ("*" if isinstance(node, query.Prefix) else "")


def _as_typed(node) -> query.Query:
    """The word itself, without its ~ or *."""
    return query.Term(node.fieldname, node.text.replace("*", ""), boost=node.boost)


def _idf(documents: int, frequency: int) -> float:
    """Whoosh's idf (scoring.WeightingModel.idf), to weigh one word against another."""
    return math.log(documents / (frequency + 1)) + 1


def _terms(reader, node, found: list[Found]) -> query.Query:
    """The words as an OR of terms. Each weighs as much as the most common of them and,
    for a fuzzy term, less the more edits away it is (as Lucene blends them): else a
    rare misspelling, with its high idf, would outrank the word that was meant."""
    if not found:
        return _as_typed(node)
    documents, most = reader.doc_count_all(), max(-f.rarity for f in found)
    terms = [query.Term(node.fieldname, f.word, boost=node.boost
                        * (1 - f.edits / max(min(len(f.word), len(node.text)), 1))
                        * _idf(documents, most) / _idf(documents, -f.rarity))
             for f in found]
    return terms[0] if len(terms) == 1 else query.Or(terms)


def _expanded(reader, node, budget: Budget, readable: Readable) -> query.Query:
    """The term as the words it stands for; or, past the bounds, as the word typed
    (`dropped`). `narrowed` when a walk was cut short or words were left out: the
    reader is told either way."""
    unbounded = (node.text.startswith("*") if isinstance(node, query.Wildcard)
                 else len(node.text) > FUZZY_MAX_LENGTH)
    if unbounded or budget.terms == 0 or budget.work == 0:
        budget.dropped.append(_typed(node))
        return _as_typed(node)
    budget.terms -= 1
    words = _fuzzy_words if isinstance(node, query.FuzzyTerm) else _pattern_words
    found, complete = words(reader, node, budget)
    kept, more = budget.keep(found, lambda word: readable(node.fieldname, word))
    if not complete or more:
        budget.narrowed.append(_typed(node))
    return _terms(reader, node, kept)


def _bounded_phrase(node: query.Phrase, budget: Budget) -> query.Query:
    """The phrase, if it is one of the first PHRASES of its kind in the query (a phrase
    is looked for in three fields, each one node); else all its words, in any order, in
    the same field: one common word of it ("en" aside, `Infrastructuur` of "Infrastructuur
    en Waterstaat") must not be enough to find an item."""
    words, typed = tuple(node.words), not isinstance(node, SynonymPhrase)
    checked = budget.phrases if typed else budget.synonym_phrases
    if words in checked or len(checked) < PHRASES:
        checked.add(words)
        return node
    if typed and " ".join(words) not in budget.loose:
        budget.loose.append(" ".join(words))
    terms = [query.Term(node.fieldname, word, boost=node.boost) for word in dict.fromkeys(words)]
    return terms[0] if len(terms) == 1 else query.And(terms)


def expand(reader, user_query: query.Query, budget: Budget | None = None,
           readable: Readable = _everything) -> tuple[query.Query, Budget]:
    """`user_query` with each fuzzy, prefix and wildcard term replaced by the plain terms
    it stands for that the reader may see (`readable`), and phrases past the first few by
    their words (in the order typed, within the bounds); and what was left out."""
    budget = budget or Budget()

    def rewrite(node: query.Query) -> query.Query:
        if isinstance(node, (query.FuzzyTerm, query.Prefix, query.Wildcard)):
            return _expanded(reader, node, budget, readable)
        if isinstance(node, query.Phrase):
            return _bounded_phrase(node, budget)
        return node if node.is_leaf() else node.apply(rewrite)

    return rewrite(user_query), budget
