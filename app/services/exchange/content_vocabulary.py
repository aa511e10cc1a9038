"""The two vocabulary files of content/: taxonomy.yml (the editable lists items refer to)
and synonyms.yml (words a search treats as the same). Read and applied inside the
content import's transaction; problems go to the importer's list."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models import SynonymSet, Term, TermKind
from app.services import organisations
from app.services.exchange.content_files import (
    KEY_PATTERN,
    FileProblem,
    absent,
    as_text,
    decode_text,
    load_yaml,
    read_text,
)

TAXONOMY_FILE = "taxonomy.yml"
SYNONYMS_FILE = "synonyms.yml"

Report = Callable[[str, str], None]   # (path or kind, message or outcome)


def _load(root: Path, name: str, problem: Report, *, required: bool):
    """An optional file may be missing (content_files.absent)."""
    path = root / name
    if not required and absent(path):
        return None
    try:
        return load_yaml(decode_text(read_text(path, root)), "the file")
    except (FileProblem, OSError) as error:
        problem(name, str(error))
        return None


def read_taxonomy(root: Path, problem: Report) -> dict:
    data = _load(root, TAXONOMY_FILE, problem, required=True) or {}
    kinds = {kind.value for kind in TermKind}
    if (not isinstance(data, dict) or set(map(str, data)) - kinds
            or not all(isinstance(entries or [], list) for entries in data.values())):
        problem(TAXONOMY_FILE, f"must map some of {sorted(kinds)} to lists")
        return {}
    return data


def read_synonyms(root: Path, problem: Report) -> list[list[str]]:
    """Optional: without the file a search simply expands nothing."""
    data = _load(root, SYNONYMS_FILE, problem, required=False) or []
    sets = []
    for number, entry in enumerate(data if isinstance(data, list) else [None]):
        try:
            words = [as_text(word, "a word").strip() for word in entry] if isinstance(
                entry, list) else []
        except FileProblem as error:
            problem(SYNONYMS_FILE, f"entry {number + 1}: {error}")
            continue
        if len([word for word in words if word]) < 2:
            problem(SYNONYMS_FILE, f"entry {number + 1} must be a list of at least two words")
            continue
        sets.append([word for word in words if word])
    return sets


def _entry_hash(values: dict) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


ORGANISATIONS = TermKind.ORGANISATION.value


def _entry_values(kind: str, position: int, entry) -> tuple[str, dict]:
    """(slug, values) of one taxonomy entry, or a FileProblem saying what is wrong. An
    organisation also has its kind, aliases and parent (a slug, linked once all are in)."""
    entry = entry if isinstance(entry, dict) else {}
    slug = as_text(entry.get("slug"), f"{kind}[{position}].slug")
    if not KEY_PATTERN.fullmatch(slug) or not entry.get("label"):
        raise FileProblem(f"{kind}[{position}] needs a slug and a label")
    values = {"label": as_text(entry["label"], f"{kind}[{position}].label"),
              "label_en": as_text(entry.get("label_en"), f"{kind}[{position}].label_en"),
              "position": position}
    if kind == ORGANISATIONS:  # organisations.vocabulary_problems checked the rest
        values.update(category=entry["kind"], parent=entry.get("parent") or "",
                      aliases=[" ".join(alias.split()) for alias in entry.get("aliases") or []])
    return slug, values


def _organisation_problems(taxonomy: dict, problem: Report) -> bool:
    """Whether the organisations of the file are sound; every problem is reported."""
    found = organisations.vocabulary_problems(taxonomy.get(ORGANISATIONS) or [])
    for message in found:
        problem(TAXONOMY_FILE, message)
    return not found


def _link_parents(parents: dict[Term, str], every: dict[tuple[str, str], Term]) -> None:
    """Each organisation imported with a parent gets it (a merged one: the one it was
    merged into); the file has been checked: every parent is in it."""
    by_id = {term.id: term for term in every.values() if term.id is not None}
    for term, slug in parents.items():
        parent = every.get((ORGANISATIONS, slug)) if slug else None
        for _step in range(len(by_id)):
            if parent is None or parent.merged_into_id is None:
                break
            parent = by_id.get(parent.merged_into_id)
        term.parent = parent


def apply_taxonomy(taxonomy: dict, problem: Report, count: Report) -> None:
    existing = {(term.kind, term.slug): term for term in db.session.scalars(select(Term))}
    sound = _organisation_problems(taxonomy, problem)
    parents: dict[Term, str] = {}
    for kind, entries in taxonomy.items():
        if kind == ORGANISATIONS and not sound:
            continue
        for position, entry in enumerate(entries or []):
            try:
                slug, values = _entry_values(kind, position, entry)
            except FileProblem as error:
                problem(TAXONOMY_FILE, str(error))
                continue
            digest = _entry_hash(values)
            parent = values.pop("parent", None)
            term = existing.get((kind, slug))
            if term is None:
                term = existing[kind, slug] = Term(kind=kind, slug=slug, content_hash=digest,
                                                   **values)
                db.session.add(term)
                count("terms", "new")
            elif term.merged_into_id is not None or term.content_hash == digest:
                count("terms", "unchanged")  # merged, or as imported (perhaps renamed since)
                continue
            else:
                for name, value in values.items():
                    setattr(term, name, value)
                term.content_hash = digest
                count("terms", "updated")
            if parent is not None:
                parents[term] = parent
    _link_parents(parents, existing)


def apply_synonyms(sets: list[list[str]], count: Report) -> None:
    """The file is the whole truth: sets no longer in it go."""
    existing = list(db.session.scalars(select(SynonymSet).order_by(SynonymSet.id)))
    if [s.words for s in existing] == sets:
        for _set in sets:
            count("synonym sets", "unchanged")
        return
    for old in existing:
        db.session.delete(old)
    for words in sets:
        db.session.add(SynonymSet(words=words))
        count("synonym sets", "new")
