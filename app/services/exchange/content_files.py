"""Reading content files: front matter, bodies and reflection sections, with limits.

Every problem is raised as FileProblem with a sentence an editor can act on; the
importer collects them per file. The files may be hostile: nothing outside the content
folder is read (links are followed only to inside it), only regular files are opened and
never more than MAX_FILE_BYTES of them, YAML is loaded safely (no Python objects) with
limits on nesting and on what aliases expand to, and each value must be of the kind its
field takes.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timezone
from pathlib import Path

import yaml

from app.models import Visibility
from app.services.contributing.cases import CaseInput
from app.services.contributing.reflections import PROMPT_HEADINGS, ReflectionInput

MAX_FILE_BYTES = 256_000
# Strings' characters plus values, after YAML aliases (*name) are expanded: a few aliases
# can otherwise stand for billions of values ("billion laughs").
MAX_EXPANDED = 4 * MAX_FILE_BYTES
KEY_PATTERN = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
HEADING_FIELDS = {heading.lower(): name for name, heading in PROMPT_HEADINGS.items()}
# As in services/validation.py: tab and line breaks are the only control characters text has.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FileProblem(Exception):
    """One thing wrong with one file; collected, never shown alone."""


@dataclass
class Source:
    path: str  # relative to the content folder, for messages
    key: str   # the file name without .md: a role id, group slug, case slug, reflection key
    meta: dict
    body: str
    digest: str


def shown_path(path: Path, root: Path) -> str:
    """`path` relative to the content folder, printable even when its name is not UTF-8."""
    text = str(path.relative_to(root))
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _inside(path: Path, root: Path) -> Path:
    """Where `path` really is, when that is inside `root`: links are followed only to
    inside the content folder."""
    try:
        resolved = path.resolve(strict=True)
    except FileNotFoundError:
        raise FileProblem("is missing, or a link to nothing") from None
    except (OSError, RuntimeError):  # RuntimeError: a link loop, before Python 3.13
        raise FileProblem("is a link that never ends (a link loop)") from None
    if not resolved.is_relative_to(root.resolve()):
        raise FileProblem("points outside the content folder")
    return resolved


def absent(path: Path) -> bool:
    """Nothing at `path`: a link in its place, even one to nothing, is something (and
    is refused when it leads out of the folder or nowhere), never a missing file."""
    return not path.exists() and not path.is_symlink()


def folder_files(folder: Path, root: Path) -> list[Path]:
    """The `*.md` files of a content sub-folder (cases/, groups/, …); none when it is
    missing. A sub-folder that is a link to outside the content folder is refused as a
    whole, as a file would be, before any name in it is listed: the import neither reads
    nor names what is elsewhere, also when nothing there ends in .md (a link to /etc
    would otherwise pass as an empty folder)."""
    if absent(folder):
        return []
    if not _inside(folder, root).is_dir():
        raise FileProblem("is not a folder")
    return sorted(folder.glob("*.md"))


def read_text(path: Path, root: Path) -> bytes:
    """The bytes of a regular file inside `root`, refused when larger than the limit."""
    resolved = _inside(path, root)
    if resolved.is_dir():
        raise FileProblem("is a folder, not a file")
    if not resolved.is_file():
        raise FileProblem("is not a regular file (a pipe or a device cannot be imported)")
    with resolved.open("rb") as file:
        data = file.read(MAX_FILE_BYTES + 1)  # never more, however large the file is
    if len(data) > MAX_FILE_BYTES:
        raise FileProblem(f"is larger than {MAX_FILE_BYTES} bytes "
                          f"({resolved.stat().st_size} bytes); split it or shorten it")
    return data


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), Unix line ends, no control characters."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileProblem(f"is not UTF-8 (byte {error.start})") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    control = _CONTROL.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        raise FileProblem(f"contains a control character (U+{ord(control.group()):04X}) on "
                          f"line {line}; only tabs and line breaks may be used")
    return text


class _Loader(yaml.SafeLoader):
    """yaml.safe_load's loader (plain data only), which also refuses a key given twice:
    otherwise the last one would silently win."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key, _value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                if key.value in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"the key '{key.value}' is given twice", key.start_mark)
                seen.add(key.value)
        return super().construct_mapping(node, deep=deep)


def _check_expanded_size(value) -> None:
    """Refuse data that aliases make far larger than the file (or endless: &a [*a])."""
    pending, budget = [value], MAX_EXPANDED
    while pending:
        item = pending.pop()
        budget -= 1 + (len(item) if isinstance(item, str) else 0)
        if budget < 0:
            raise FileProblem("repeats so much through YAML aliases (*name) that it would be"
                              f" larger than {MAX_EXPANDED} characters")
        if isinstance(item, dict):
            pending += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            pending += item


def load_yaml(text: str, what: str, first_line: int = 1):
    """Plain YAML data (no Python objects: the safe loader), or a FileProblem saying
    where it went wrong; `first_line` is the file's line number of the text's first."""
    try:
        # _Loader is a yaml.SafeLoader, which bandit cannot tell from its name.
        value = yaml.load(text, Loader=_Loader)  # nosec B506
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" (line {mark.line + first_line})" if mark else ""
        raise FileProblem(f"{what} is not valid YAML{where}: {error.problem}") from None
    except yaml.YAMLError as error:
        raise FileProblem(f"{what} is not valid YAML: {error}") from None
    except RecursionError:
        raise FileProblem(f"{what} nests lists or mappings too deeply") from None
    except (ValueError, OverflowError) as error:  # e.g. the date 2021-02-30
        raise FileProblem(f"{what} holds an impossible value: {error}") from None
    _check_expanded_size(value)
    return value


def parse_markdown_file(data: bytes) -> tuple[dict, str]:
    text = decode_text(data)
    match = re.match(r"---\n(.*?)\n---\n?(.*)\Z", text, re.S)
    if not match:
        raise FileProblem("does not start with front matter between two '---' lines")
    meta = load_yaml(match.group(1), "front matter", first_line=2) or {}
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
    return Source(shown_path(path, root), path.stem, meta, body,
                  hashlib.sha256(data).hexdigest())


def as_text(value, name: str = "a value") -> str:
    """A scalar as text. A list, a mapping or a yes/no is a mistake in the file, not
    text: str() would turn `title: [a, b]` into "['a', 'b']" and `title: no` into False."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise FileProblem(f"{name} is read as {'yes' if value else 'no'} (true/false): put it"
                          " in quotes if you mean the word")
    if not isinstance(value, (str, int, float, date)):
        kind = "a list" if isinstance(value, list) else "a mapping" if isinstance(
            value, dict) else type(value).__name__
        raise FileProblem(f"{name} must be text, not {kind}")
    return str(value)


def as_list(value, name: str = "a list") -> list[str]:
    """A list of scalars as texts; a single scalar is a list of one."""
    if value is None:
        return []
    if isinstance(value, list):
        return [as_text(item, f"{name}[{number}]") for number, item in enumerate(value)]
    if isinstance(value, dict):
        raise FileProblem(f"{name} must be a list, not a mapping")
    return [as_text(value, name)]


def published_at(value) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=timezone.utc)
    if value is None:
        return None
    try:
        return published_at(datetime.fromisoformat(as_text(value, "published")))
    except ValueError:
        raise FileProblem(f"published must be a date (YYYY-MM-DD), not '{value}'") from None


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
        spec.name: as_list(meta.get(spec.name), spec.name) if spec.default_factory is list
        else as_text(meta.get(spec.name), spec.name)
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
                            occurred_on=as_text(meta.get("date"), "date"),
                            **reflection_sections(body))
