"""content/glossary.yml: English words and phrases that lead a search to Dutch ones.

Read inside the content import's transaction, but never in its way: the glossary helps
readers with the English interface, and a slip in it must not hold back a case. So its
problems are warnings, each naming the entry (its number and English words) and what
is wrong: a broken entry is left out and the others are imported; a file that cannot
be read at all leaves the glossary as it was. The file is otherwise the whole truth, as
synonyms.yml is: entries no longer in it go.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import select

from app.extensions import db
from app.models import GlossaryEntry
from app.search.glossary import also_dutch, plural_forms, term_words
from app.services.exchange.content_files import (
    FileProblem,
    absent,
    as_text,
    decode_text,
    load_yaml,
    read_text,
)

GLOSSARY_FILE = "glossary.yml"
ENTRY_KEYS = ("en", "nl", "english_only")
KEPT = "the glossary was left as it was"

Report = Callable[[str, str], None]   # (file, message) or (kind, outcome)


@dataclass(frozen=True)
class GlossaryRow:
    english: list[str]
    dutch: list[str]
    english_only: bool = False
    decided: bool = False   # the file says english_only: true or false

    @property
    def values(self) -> tuple:
        return self.english, self.dutch, self.english_only


def also_dutch_words(english: list[str], dutch: list[str]) -> list[str]:
    """The English single words of an entry that are common Dutch words too and are not
    among its Dutch words (then they would mean the same): possible false friends."""
    same = set(map(term_words, dutch))
    return [term for term in english if len(term_words(term)) == 1
            and term_words(term) not in same and also_dutch(term_words(term)[0])]


def _terms(entry: dict, key: str, name: str) -> list[str]:
    """`en:` or `nl:`: one term, or a list of them; each with a word in it."""
    value = entry.get(key)
    values = value if isinstance(value, list) else [] if value is None else [value]
    terms = [as_text(term, f"{key}: '{term}'").strip() for term in values]
    if not terms:
        raise FileProblem(f"{key}: needs at least one {name}")
    if not all(term_words(term) for term in terms):
        raise FileProblem(f"{key}: holds an empty {name}; remove it or fill it in")
    return list(dict.fromkeys(terms))


def _row(entry) -> GlossaryRow:
    """One entry as the file gives it, or a FileProblem saying what is wrong."""
    if not isinstance(entry, dict):
        raise FileProblem("must be a mapping with en: (English) and nl: (Dutch)")
    unknown = sorted(set(map(str, entry)) - set(ENTRY_KEYS))
    if unknown:
        raise FileProblem(f"unknown keys {unknown}; allowed: {list(ENTRY_KEYS)}")
    english_only = entry.get("english_only", False)
    if not isinstance(english_only, bool):
        raise FileProblem("english_only: must be true or false")
    return GlossaryRow(_terms(entry, "en", "English term"), _terms(entry, "nl", "Dutch word"),
                       english_only, "english_only" in entry)


def _named(entry) -> str:
    """' (noise, din)': the English words of an entry, to find it in the file."""
    english = entry.get("en") if isinstance(entry, dict) else None
    english = english if isinstance(english, list) else [english] if english else []
    shown = ", ".join(str(term) for term in english[:3])
    return f" ({shown})" if shown else ""


def _shapes(words: tuple[str, ...]) -> set[tuple[str, ...]]:
    """A term and each form with one of its words in the plural: what it stands for in
    a query (search/glossary.py)."""
    shapes = {words}
    for position, word in enumerate(words):
        shapes |= {(*words[:position], form, *words[position + 1:])
                   for form in plural_forms(word)}
    return shapes


class _Checker:
    """The entries one by one: each English term belongs to one entry, and an English
    word that is also common Dutch must be decided on."""

    def __init__(self, warn: Report):
        self.warn = warn
        self.owners: dict[tuple[str, ...], tuple[int, str]] = {}  # shape -> its entry

    def check(self, number: int, place: str, entry) -> GlossaryRow | None:
        where = f"{place}{_named(entry)}"
        try:
            row = _row(entry)
        except FileProblem as problem:
            self.warn(GLOSSARY_FILE, f"{where}: {problem}; left out")
            return None
        english = [term for term in row.english if self._own((number, place), where, term)]
        if not english:
            return None
        undecided = not row.decided and self._false_friend(where, english, row.dutch)
        return GlossaryRow(english, row.dutch, row.english_only or undecided, row.decided)

    def _own(self, entry: tuple[int, str], where: str, term: str) -> bool:
        """Whether `term` is this entry's alone (as it or in a plural form)."""
        shapes = _shapes(term_words(term))
        owner = next((self.owners[shape] for shape in shapes if shape in self.owners), entry)
        if owner != entry:
            self.warn(GLOSSARY_FILE, f"{where}: '{term}' is already in {owner[1]}; an English"
                      " term belongs to one entry (merge the two); left out here")
            return False
        self.owners.update(dict.fromkeys(shapes, entry))
        return True

    def _false_friend(self, where: str, english: list[str], dutch: list[str]) -> bool:
        """An English word that is also a common Dutch word would make a Dutch reader's
        search for that Dutch word find the translation too. Until an editor decides
        (english_only: true or false, or the word among the Dutch ones), the entry
        applies only with the English interface."""
        doubtful = also_dutch_words(english, dutch)
        if doubtful:
            self.warn(GLOSSARY_FILE, f"{where}: '{doubtful[0]}' is also a Dutch word. Add it"
                      " to nl: if it means the same in Dutch, or write english_only: true"
                      " (or false, if Dutch readers do not use it otherwise); until then"
                      " the entry applies only with the English interface")
        return bool(doubtful)


def read_glossary(root: Path, warn: Report) -> list[GlossaryRow] | None:
    """The entries to keep; None when the file cannot be read (the glossary stays)."""
    path = root / GLOSSARY_FILE
    if absent(path):
        return []
    try:
        text = decode_text(read_text(path, root))
        data = load_yaml(text, "the file")
    except (FileProblem, OSError) as error:
        warn(GLOSSARY_FILE, f"{error}; {KEPT}")
        return None
    if data is not None and not isinstance(data, list):
        warn(GLOSSARY_FILE, f"must be a list of entries, each with en: and nl:; {KEPT}")
        return None
    checker = _Checker(warn)
    rows = [checker.check(number, f"entry {number} (line {line})", entry) for number, (line, entry)
            in enumerate(zip(_lines(text), data or [], strict=True), 1)]
    return [row for row in rows if row]


def _lines(text: str) -> list[int]:
    """The line each entry starts on, so that an editor finds it among hundreds. The
    text loaded as data already; composing it again only gives positions."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    return [item.start_mark.line + 1 for item in node.value] if node else []


def apply_glossary(rows: list[GlossaryRow], count: Report) -> None:
    """The file is the whole truth: entries no longer in it go."""
    existing = list(db.session.scalars(select(GlossaryEntry).order_by(GlossaryEntry.id)))
    if [(e.english, e.dutch, e.english_only) for e in existing] == [r.values for r in rows]:
        for _row in rows:
            count("glossary entries", "unchanged")
        return
    for old in existing:
        db.session.delete(old)
    for row in rows:
        db.session.add(GlossaryEntry(english=row.english, dutch=row.dutch,
                                     english_only=row.english_only))
        count("glossary entries", "new")
