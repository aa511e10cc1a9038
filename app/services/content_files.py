"""Reading content files: front matter, bodies and reflection sections, with limits.

Every problem is raised as FileProblem with a sentence an editor can act on; the
importer collects them per file.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timezone
from pathlib import Path

import yaml

from app.models import Visibility
from app.services.cases import CaseInput
from app.services.reflections import PROMPT_HEADINGS, ReflectionInput

MAX_FILE_BYTES = 256_000
KEY_PATTERN = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
HEADING_FIELDS = {heading.lower(): name for name, heading in PROMPT_HEADINGS.items()}


class FileProblem(Exception):
    """One thing wrong with one file; collected, never shown alone."""


@dataclass
class Source:
    path: str  # relative to the content folder, for messages
    key: str   # the file name without .md: a role id, group slug, case slug, reflection key
    meta: dict
    body: str
    digest: str


def read_text(path: Path, root: Path) -> bytes:
    if not path.resolve().is_relative_to(root.resolve()):
        raise FileProblem("points outside the content folder")
    data = path.read_bytes()
    if len(data) > MAX_FILE_BYTES:
        raise FileProblem(f"is larger than {MAX_FILE_BYTES} bytes")
    return data


def parse_markdown_file(data: bytes) -> tuple[dict, str]:
    try:
        text = data.decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError as error:
        raise FileProblem(f"is not UTF-8 (byte {error.start})") from None
    match = re.match(r"---\n(.*?)\n---\n?(.*)\Z", text, re.S)
    if not match:
        raise FileProblem("does not start with front matter between two '---' lines")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as error:
        raise FileProblem(f"front matter is not valid YAML: {error}") from None
    if not isinstance(meta, dict):
        raise FileProblem("front matter must be a mapping of keys to values")
    return meta, match.group(2)


def read_source(path: Path, root: Path, allowed_keys: set[str]) -> Source:
    data = read_text(path, root)
    meta, body = parse_markdown_file(data)
    unknown = sorted(set(map(str, meta)) - allowed_keys)
    if unknown:
        raise FileProblem(f"unknown keys {unknown}; allowed: {sorted(allowed_keys)}")
    if not KEY_PATTERN.fullmatch(path.stem):
        raise FileProblem("file name must be lower-case letters, digits and hyphens")
    return Source(str(path.relative_to(root)), path.stem, meta, body,
                  hashlib.sha256(data).hexdigest())


def as_list(value) -> list[str]:
    if value is None:
        return []
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


def as_text(value) -> str:
    return "" if value is None else str(value)


def published_at(value) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=timezone.utc)
    return None


def reflection_sections(body: str) -> dict[str, str]:
    """Split a reflection body on its '## Heading' lines into prompt fields."""
    if body.strip() and not body.lstrip().startswith("## "):
        raise FileProblem("text before the first '## ' heading")
    sections = {}
    for chunk in re.split(r"^## ", body, flags=re.M)[1:]:
        heading, _, text = chunk.partition("\n")
        name = HEADING_FIELDS.get(heading.strip().lower())
        if name is None:
            raise FileProblem(f"unknown heading '## {heading.strip()}'; "
                               f"use: {', '.join(PROMPT_HEADINGS.values())}")
        sections[name] = text.strip()
    return sections


def _input_from_meta(input_class, meta: dict, **extra):
    """Fill a CaseInput/ReflectionInput from front matter: lists as lists, the rest as text."""
    values = {
        spec.name: as_list(meta.get(spec.name)) if spec.default_factory is list
        else as_text(meta.get(spec.name))
        for spec in fields(input_class) if spec.name in meta
    }
    return input_class(**values, **extra)


def case_input(meta: dict, body: str) -> CaseInput:
    """A case file as its form would submit it. The export reads its own files back
    through this and reflection_input too, so import and export share one reading."""
    return _input_from_meta(CaseInput, {"visibility": Visibility.PUBLIC.value, **meta},
                            body=body)


def reflection_input(meta: dict, body: str) -> ReflectionInput:
    return _input_from_meta(ReflectionInput, {"visibility": Visibility.PUBLIC.value, **meta},
                            occurred_on=as_text(meta.get("date")), **reflection_sections(body))
