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


def _entry_values(kind: str, position: int, entry) -> tuple[str, dict]:
    """(slug, values) of one taxonomy entry, or a FileProblem saying what is wrong."""
    entry = entry if isinstance(entry, dict) else {}
    slug = as_text(entry.get("slug"), f"{kind}[{position}].slug")
    if not KEY_PATTERN.fullmatch(slug) or not entry.get("label"):
        raise FileProblem(f"{kind}[{position}] needs a slug and a label")
    return slug, {"label": as_text(entry["label"], f"{kind}[{position}].label"),
                  "label_en": as_text(entry.get("label_en"), f"{kind}[{position}].label_en"),
                  "position": position}


def apply_taxonomy(taxonomy: dict, problem: Report, count: Report) -> None:
    existing = {(term.kind, term.slug): term for term in db.session.scalars(select(Term))}
    for kind, entries in taxonomy.items():
        for position, entry in enumerate(entries or []):
            try:
                slug, values = _entry_values(kind, position, entry)
            except FileProblem as error:
                problem(TAXONOMY_FILE, str(error))
                continue
            digest = _entry_hash(values)
            term = existing.get((kind, slug))
            if term is None:
                db.session.add(Term(kind=kind, slug=slug, content_hash=digest, **values))
                count("terms", "new")
            elif term.merged_into_id is not None or term.content_hash == digest:
                count("terms", "unchanged")  # merged, or as imported (perhaps renamed since)
            else:
                for name, value in values.items():
                    setattr(term, name, value)
                term.content_hash = digest
                count("terms", "updated")


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
