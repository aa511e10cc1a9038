"""The organisation vocabulary: one entry per organisation, whatever it is called.

Authors type an organisation in their own words ("IenW, directie OVS", "Ministerie van
Infrastructuur en Milieu", "RWS"); the vocabulary (`organisations` in
content/taxonomy.yml, kept as Terms of kind "organisations") names each organisation once,
with its abbreviations and former names (`aliases`), its kind (ministerie, gemeente, …)
and, for a directorate, programme or agency, the organisation it is part of (`parent`).

- `vocabulary_problems` checks the file's entries: unique slugs, known kinds, every
  name leading to one organisation only, parents that exist, no loops.
- `Resolver` turns free text into an organisation: ignoring capitals, accents and
  punctuation, with or without "Ministerie van", "directie", "DG", "Gemeente", …, and
  for a text naming several ("IenW, DG Water en Bodem"; "IenM, met Rijkswaterstaat") the
  one the case belongs to.
- `Tree` knows parents and units: a case of a directorate counts for its ministry too
  (the facets and /bladeren/organisatie roll up with it).

A case stores the organisation it resolved to (`Case.organisation_term`), else the text
as typed (`Case.organisation`), which the editors' desk lists to be filed as an alias.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import and_, func, select, union_all

from app.extensions import db
from app.models import Case, Term, TermKind

KIND = TermKind.ORGANISATION
# The kinds of organisation, in the order the vocabulary lists them.
KINDS = ("ministerie", "directie", "programma", "agentschap", "zbo", "provincie",
         "waterschap", "gemeente", "koepel", "overig")
ENTRY_KEYS = ("slug", "label", "label_en", "kind", "parent", "aliases")
MAX_NAME = 200  # a label or an alias, as Case.organisation and Term.label
# Words a name of that kind may begin with or go without: "Ministerie van Financiën" is
# "Financiën", "directie OVS" is "OVS", "Gemeente Delft" is "Delft". Such a shortened or
# lengthened name leads to its organisation unless another one is called the same.
# (A leading "de" or "het" is never compared: see `normal`.)
PREFIXES = {
    "ministerie": ("ministerie van",),
    "directie": ("directoraat-generaal", "dg", "directie"),
    "programma": ("programma",),
    "agentschap": ("agentschap",),
    "provincie": ("provincie",),
    "waterschap": ("waterschap", "hoogheemraadschap van", "hoogheemraadschap", "wetterskip"),
    "gemeente": ("gemeente",),
}
# Between two organisations in one text: a comma names a unit of the one before ("IenW,
# DG Water en Bodem"); "en", "met", "/" … name another one beside it.
_SEPARATORS = re.compile(r"((?:\s*(?:[,;/+]|\bsamen met\b|\ben\b|\bmet\b|\band\b|\bwith\b)\s*)+)",
                         re.IGNORECASE)
_REMARKS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")  # "(later Infrastructuur en Waterstaat)"
_NOT_WORD = re.compile(r"[\W_]+")
_ARTICLES = ("de ", "het ", "the ")
UNIT, BESIDE = "unit", "beside"


@lru_cache(maxsize=8192)  # the same few hundred names, each time a resolver is made
def normal(name: str) -> str:
    """A name as the resolver compares it: no accents, capitals or punctuation, `&` as
    "en", one space between words, no leading article."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(char for char in text if not unicodedata.combining(char))
    return _without_article(_NOT_WORD.sub(" ", text.casefold().replace("&", " en ")).strip())


def _without_article(text: str) -> str:
    for article in _ARTICLES:
        if text.startswith(article) and len(text) > len(article):
            return text[len(article):]
    return text


@lru_cache(maxsize=None)
def _normal_prefixes(kind: str) -> tuple[str, ...]:
    return tuple(normal(prefix) for prefix in PREFIXES.get(kind, ()))


def explicit_names(entry: dict | Term) -> list[str]:
    """The names an entry gives itself: slug, label, English label and aliases."""
    get = entry.get if isinstance(entry, dict) else lambda name, _default=None: getattr(
        entry, "category" if name == "kind" else name, None)
    names = [get("slug") or "", get("label") or "", get("label_en") or ""]
    aliases = get("aliases") or []
    names += [alias for alias in aliases if isinstance(alias, str)] if isinstance(
        aliases, list) else []
    return [name for name in names if isinstance(name, str) and normal(name)]


@lru_cache(maxsize=8192)
def derived_names(normal_name: str, kind: str) -> frozenset[str]:
    """Other forms of an already normal name, by the prefixes of its kind."""
    prefixes = _normal_prefixes(kind)
    bare = normal_name
    for prefix in prefixes:
        if normal_name.startswith(prefix + " "):
            bare = normal_name[len(prefix) + 1:]
            break
    forms = {_without_article(bare)} | {f"{prefix} {bare}" for prefix in prefixes}
    return frozenset(form for form in forms if form and form != normal_name)


# -- checking the vocabulary in content/taxonomy.yml --------------------------------------

def _where(position: int, entry: dict) -> str:
    slug = entry.get("slug") if isinstance(entry.get("slug"), str) else ""
    return f"organisations[{position}]" + (f" ({slug})" if slug else "")


def _entry_problems(position: int, entry) -> list[str]:
    if not isinstance(entry, dict):
        return [f"organisations[{position}] must be a mapping with a slug, a label and a kind"]
    where, problems = _where(position, entry), []
    unknown = sorted(set(map(str, entry)) - set(ENTRY_KEYS))
    if unknown:
        problems.append(f"{where} has unknown keys {unknown}; allowed: {list(ENTRY_KEYS)}")
    kind = entry.get("kind")
    if kind not in KINDS:
        problems.append(f"{where}: kind must be one of {', '.join(KINDS)}"
                        + (f", not '{kind}'" if kind else ""))
    aliases = entry.get("aliases")
    if aliases is not None and not (isinstance(aliases, list) and all(
            isinstance(alias, str) and alias.strip() for alias in aliases)):
        problems.append(f"{where}: aliases must be a list of names, none of them empty")
    names = [entry.get("label"), entry.get("label_en"),
             *(aliases if isinstance(aliases, list) else [])]
    problems += [f"{where}: the name '{name[:40]}…' is longer than {MAX_NAME} characters"
                 for name in names if isinstance(name, str) and len(name) > MAX_NAME]
    parent = entry.get("parent")
    if parent is not None and not isinstance(parent, str):
        problems.append(f"{where}: parent must be the slug of another organisation")
    return problems


def _name_problems(entries: list[dict]) -> list[str]:
    """Each name (slug, label, English label, alias) may lead to one organisation."""
    owners: dict[str, dict[str, str]] = {}   # normal name -> {slug: the name as written}
    for entry in entries:
        for name in explicit_names(entry):
            owners.setdefault(normal(name), {}).setdefault(entry["slug"], name)
    return [f"organisations: the name '{next(iter(found.values()))}' belongs to "
            + " and ".join(f"'{slug}'" for slug in found)
            + "; a name may lead to one organisation only"
            for found in owners.values() if len(found) > 1]


def _parent_problems(entries: list[dict]) -> list[str]:
    parents = {entry["slug"]: entry.get("parent") for entry in entries}
    problems = []
    for slug, parent in parents.items():
        if parent is None:
            continue
        if parent == slug:
            problems.append(f"organisations ({slug}): parent is the organisation itself")
        elif parent not in parents:
            problems.append(f"organisations ({slug}): parent '{parent}' is not an"
                            " organisation in this file")
    reported: set[str] = set()
    for start in parents:
        path, slug = [start], parents[start]
        while slug in parents and slug not in path and slug != start:
            path.append(slug)
            slug = parents[slug]
        if slug == start and len(path) > 1 and not reported & set(path):
            reported |= set(path)
            problems.append("organisations: parents go round in a loop: "
                            + " → ".join([*path, start]))
    return problems


def vocabulary_problems(entries: list) -> list[str]:
    """What is wrong with the `organisations` list of content/taxonomy.yml, each as a
    sentence an editor can act on (the slug and label are checked as for every list)."""
    problems = [problem for position, entry in enumerate(entries)
                for problem in _entry_problems(position, entry)]
    sound = [entry for entry in entries
             if isinstance(entry, dict) and isinstance(entry.get("slug"), str)]
    seen: Counter = Counter(entry["slug"] for entry in sound)
    problems += [f"organisations: the slug '{slug}' is used {count} times"
                 for slug, count in seen.items() if count > 1]
    unique = [entry for entry in sound if seen[entry["slug"]] == 1]
    return problems + _name_problems(unique) + _parent_problems(unique)


# -- the tree of organisations and their units ----------------------------------------------

class Tree:
    """The live organisations with their parents: who is part of whom."""

    def __init__(self, terms: Iterable[Term]):
        self.by_id = {term.id: term for term in terms if term.merged_into_id is None}
        self.by_slug = {term.slug: term for term in self.by_id.values()}
        self.children: dict[int, list[Term]] = {}
        for term in self.by_id.values():
            if term.parent_id in self.by_id:
                self.children.setdefault(term.parent_id, []).append(term)

    @classmethod
    def load(cls) -> Tree:
        return cls(db.session.scalars(select(Term).where(Term.kind == KIND.value)
                                      .order_by(Term.position, Term.label)))

    def parent(self, term: Term) -> Term | None:
        return self.by_id.get(term.parent_id) if term.parent_id is not None else None

    def ancestors(self, term: Term) -> list[Term]:
        """Parent, grandparent, …, nearest first (a loop, which the import refuses, ends)."""
        found, seen = [], {term.id}
        parent = self.parent(term)
        while parent is not None and parent.id not in seen:
            found.append(parent)
            seen.add(parent.id)
            parent = self.parent(parent)
        return found

    def with_units(self, term: Term) -> list[Term]:
        """The organisation and everything under it, itself first."""
        found, pending, seen = [], [term], set()
        while pending:
            current = pending.pop(0)
            if current.id not in seen:
                seen.add(current.id)
                found.append(current)
                pending += self.children.get(current.id, [])
        return found

    def is_within(self, term: Term, other: Term) -> bool:
        """Whether `term` is a unit of `other` (at any depth)."""
        return any(ancestor.id == other.id for ancestor in self.ancestors(term))

    def depth_first(self) -> Iterator[tuple[Term, int]]:
        """(organisation, depth): each top-level one by label, its units after it."""
        def walk(term: Term, depth: int, seen: set[int]):
            if term.id in seen:
                return
            seen.add(term.id)
            yield term, depth
            for child in sorted(self.children.get(term.id, []), key=_by_label):
                yield from walk(child, depth + 1, seen)
        seen: set[int] = set()
        roots = [term for term in self.by_id.values() if self.parent(term) is None]
        for root in sorted(roots, key=_by_label):
            yield from walk(root, 0, seen)
        for term in sorted(self.by_id.values(), key=_by_label):  # in a loop: still shown
            yield from walk(term, 0, seen)

    def rolled_up(self, counts: dict[int, int]) -> dict[int, int]:
        """Term id -> items of it or of its units, from items per own organisation (each
        item has one organisation, so the sums count no item twice)."""
        total: Counter = Counter()
        for term_id, count in counts.items():
            term = self.by_id.get(term_id)
            if term is None or not count:
                continue
            total[term_id] += count
            for ancestor in self.ancestors(term):
                total[ancestor.id] += count
        return dict(total)


def _by_label(term: Term) -> tuple[str, str]:
    return normal(term.label), term.slug


# -- from free text to an organisation ----------------------------------------------------

@dataclass(frozen=True)
class Resolution:
    """What a text names: the organisation a case with that text belongs to (None when
    the text is empty or not in the vocabulary), and any other organisations the text
    named beside it that are not part of it ("EZ en IenM": IenM)."""

    term: Term | None
    others: tuple[Term, ...] = field(default=())


class Resolver:
    def __init__(self, terms: Iterable[Term]):
        terms = list(terms)
        self.tree = Tree(terms)
        every = {term.id: term for term in terms}
        survivors = {term.id: self._survivor(term, every) for term in terms}
        explicit: dict[str, set[int]] = {}   # live names first, then merged ones' names
        merged: dict[str, set[int]] = {}
        derived: dict[str, set[int]] = {}
        for term in terms:
            survivor = survivors[term.id]
            if survivor is None:
                continue
            own = explicit if term.merged_into_id is None else merged
            for name in explicit_names(term):
                key = normal(name)
                own.setdefault(key, set()).add(survivor.id)
                for form in derived_names(key, term.category):
                    derived.setdefault(form, set()).add(survivor.id)
        self.names: dict[str, Term] = {}
        for table in (explicit, merged, derived):   # an earlier table wins; ambiguous: none
            for key, ids in table.items():
                if key not in self.names and len(ids) == 1:
                    self.names[key] = self.tree.by_id[next(iter(ids))]
        self.ambiguous = {key for table in (explicit, merged, derived)
                          for key, ids in table.items() if len(ids) > 1} - set(self.names)

    @staticmethod
    def _survivor(term: Term, every: dict[int, Term]) -> Term | None:
        """The live term a merged one leads to (a chain of merges ends at one)."""
        current, seen = term, set()
        while current.merged_into_id is not None and current.id not in seen:
            seen.add(current.id)
            current = every.get(current.merged_into_id)
            if current is None:
                return None
        return current if current.merged_into_id is None else None

    @classmethod
    def load(cls) -> Resolver:
        return cls(db.session.scalars(select(Term).where(Term.kind == KIND.value)))

    def find(self, name: str) -> Term | None:
        """The organisation called exactly `name` (in any of its names and forms)."""
        return self.names.get(normal(name)) if name else None

    def resolve(self, text: str | None) -> Resolution:
        text = " ".join((text or "").split())
        if not text or not normal(text):
            return Resolution(None)
        found = self.find(text)
        if found is not None:
            return Resolution(found)
        plain = " ".join(_REMARKS.sub(" ", text).split()).strip(" ,;")
        found = self.find(plain)
        if found is not None:
            return Resolution(found)
        parts = self._parts(plain)
        return self._combined(parts) if parts else Resolution(None)

    def _parts(self, text: str) -> list[tuple[str, Term]] | None:
        """The text as organisations and the separators before each, in the fewest
        pieces that are all names of organisations; None when it cannot be split so."""
        pieces = _SEPARATORS.split(text)
        words, separators = pieces[0::2], pieces[1::2]
        if len(words) < 2 or len(words) > 40:
            return None
        # best[j]: the fewest organisations that words[:j] splits into, and how.
        best: list[list[tuple[str, Term]] | None] = [[]] + [None] * len(words)
        for end in range(1, len(words) + 1):
            for start in range(end):
                if best[start] is None:
                    continue
                name = "".join(word + (separators[index] if index < end - 1 else "")
                               for index, word in enumerate(words[start:end], start))
                term = self.find(name.strip())
                if term is None:
                    continue
                before = separators[start - 1] if start else ""
                way = [*best[start], (before, term)]
                if best[end] is None or len(way) < len(best[end]):
                    best[end] = way
        found = best[len(words)]
        return found if found and len(found) > 1 else None

    def _combined(self, parts: list[tuple[str, Term]]) -> Resolution:
        """The organisation of a text that names several: a unit named after a comma
        ("IenW, DG Water en Bodem") is the more precise one; an organisation with one of
        its own units beside it ("IenW en Rijkswaterstaat") covers both; of organisations
        that are not part of one another, the first named is the one."""
        current, others = parts[0][1], []
        for separator, term in parts[1:]:
            kind = UNIT if separator.strip() == "," else BESIDE
            if term.id == current.id or any(term.id == other.id for other in others):
                continue
            if self.tree.is_within(term, current):
                current = term if kind == UNIT else current
            elif self.tree.is_within(current, term):
                current = current if kind == UNIT else term
            else:
                others.append(term)
        others = [other for other in others if other.id != current.id
                  and not self.tree.is_within(other, current)
                  and not self.tree.is_within(current, other)]
        return Resolution(current, tuple(others))


_PINNED = "casusbank.organisation_resolver"


def resolver() -> Resolver:
    """The resolver of the vocabulary as it is now (a content import pins one while it
    runs, so that a thousand case files do not each read the vocabulary)."""
    return db.session.info.get(_PINNED) or Resolver.load()


@contextmanager
def pinned() -> Iterator[Resolver]:
    """One resolver for a run that does not change the vocabulary meanwhile."""
    db.session.info[_PINNED] = found = Resolver.load()
    try:
        yield found
    finally:
        db.session.info.pop(_PINNED, None)


def resolve(text: str | None) -> Resolution:
    return resolver().resolve(text)


def ancestors_of(term: Term | None) -> list[Term]:
    """The organisations `term` is part of, nearest first (through the loaded parents)."""
    found, seen = [], {term.id} if term is not None else set()
    parent = term.parent if term is not None else None
    while parent is not None and parent.id not in seen:
        found.append(parent)
        seen.add(parent.id)
        parent = parent.parent
    return found


def organisation_name(case: Case) -> str:
    """The case's organisation in Dutch: its vocabulary label, else the text as typed."""
    return case.organisation_term.label if case.organisation_term else case.organisation


# -- narrowing a list to an organisation ------------------------------------------------------

@dataclass(frozen=True)
class OrganisationFilter:
    """An organisation a list of cases is narrowed to: one of the vocabulary, with its
    units (a ministry lists its directorates' cases too), or a name it does not know, as
    typed. `value` is what the address holds: the slug, or that name."""

    value: str
    label: str
    label_en: str = ""
    term_ids: tuple[int, ...] = ()
    slugs: tuple[str, ...] = ()      # the slugs of term_ids: what the index holds

    def condition(self):
        if self.term_ids:
            return Case.organisation_id.in_(self.term_ids)
        return and_(Case.organisation_id.is_(None), Case.organisation == self.value)


def organisation_filter(value: str | None) -> OrganisationFilter | None:
    """The filter an address's `organisatie=` stands for: a slug, or any name of an
    organisation (addresses from before the vocabulary held the text); else the name."""
    value = (value or "").strip()
    if not value:
        return None
    found = resolver()
    term = found.resolve(value).term
    if term is None:
        return OrganisationFilter(value, value)
    units = found.tree.with_units(term)
    return OrganisationFilter(term.slug, term.label, term.label_en,
                              tuple(unit.id for unit in units), tuple(unit.slug for unit in units))



# -- cases whose organisation is not in the vocabulary (yet) -------------------------------

def _unfiled(condition=None):
    found = and_(Case.organisation_id.is_(None), Case.organisation != "")
    return found if condition is None else and_(found, condition)


def unfiled_cases(condition=None) -> list[Case]:
    """Cases with an organisation text that is not (yet) an organisation of the vocabulary."""
    return list(db.session.scalars(select(Case).where(_unfiled(condition)).order_by(Case.id)))


def unfiled_names(condition=None) -> list[tuple[str, int]]:
    """Each organisation text the vocabulary does not know, with its number of cases, most
    used first; counted in the database (a library of imported cases may hold tens of
    thousands)."""
    rows = db.session.execute(select(Case.organisation, func.count()).where(_unfiled(condition))
                              .group_by(Case.organisation)).all()
    return sorted(((name, count) for name, count in rows),
                  key=lambda row: (-row[1], row[0].casefold(), row[0]))


def newest_unfiled(names: list[str], per_name: int, condition=None) -> dict[str, list[Case]]:
    """The `per_name` newest cases of each of `names`, in one query: each name's read
    from the index on the organisation text, newest first, until it has enough (a
    window over all unfiled cases read them all: 115 ms at 50,000)."""
    if not names:
        return {}
    newest = [select(Case.id).where(_unfiled(condition), Case.organisation == name)
              .order_by(Case.id.desc()).limit(per_name).subquery() for name in names]
    chosen = union_all(*(select(each.c.id) for each in newest))
    cases = db.session.scalars(select(Case).where(Case.id.in_(chosen))
                               .order_by(Case.id.desc()))
    found: dict[str, list[Case]] = {name: [] for name in names}
    for case in cases:
        found[case.organisation].append(case)
    return found


def file_cases(cases: Iterable[Case], found: Resolver | None = None
               ) -> list[tuple[Case, Resolution]]:
    """Give each case whose text the vocabulary now knows its organisation (the text is
    then no longer needed); returns what was filed, with how. Through the ORM, so that the
    change log brings the index along."""
    found = found or resolver()
    filed = []
    for case in cases:
        resolution = found.resolve(case.organisation)
        if resolution.term is not None:
            case.organisation_term, case.organisation = resolution.term, ""
            filed.append((case, resolution))
    return filed
