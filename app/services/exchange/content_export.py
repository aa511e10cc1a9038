"""Exports the library as a content folder that `flask content import` reads back.

The export is a backup and the way to move a library to another Casusbank, so the folder
on its own must be a complete content folder: taxonomy, synonyms, glossary, roles, groups
and the published cases and reflections. Items are written from their form input (the
values a revision stores), and each file is read back with the importer's own reading
before the folder is moved into place: a file an import would read differently fails the
export, naming the item, instead of losing text silently. Where the folder goes, and how an
earlier export is replaced, is export_folder's business.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, time, timezone
from pathlib import Path

import yaml
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Case,
    GlossaryEntry,
    LearningGroup,
    Reflection,
    Role,
    SynonymSet,
    Term,
    TermKind,
    Visibility,
    utcnow,
)
from app.services.contributing.cases import case_as_input
from app.services.contributing.reflections import PROMPT_HEADINGS, reflection_as_input
from app.services.exchange.content_files import (
    KEY_PATTERN,
    MAX_FILE_BYTES,
    FileProblem,
    case_input,
    parse_markdown_file,
    reflection_input,
)
from app.services.exchange.content_glossary import GLOSSARY_FILE, also_dutch_words
from app.services.exchange.content_vocabulary import SYNONYMS_FILE, TAXONOMY_FILE
from app.services.exchange.export_folder import FolderRefused, digest, put_in_place
from app.services.permissions import PUBLISHED, SHARED
from app.services.validation import slugify

KINDS = ("terms", "synonym sets", "glossary entries", "roles", "groups", "cases",
         "reflections")
GLOSSARY_HEADER = ("# English words and phrases that lead a search to Dutch ones; see the README,"
                   " Search.\n")
ROLE_FIELDS = ("label", "label_en", "short", "short_en", "paradigm", "position", "order",
               "behaviours")


class ExportFailed(Exception):
    """Nothing was written to the target; every reason is listed."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ExportReport:
    directory: Path
    counts: Counter = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        counts = ", ".join(f"{number} {kind}" for kind, number in self.counts.items())
        return f"exported to {self.directory}: {counts}"


def reflection_key(reflection: Reflection) -> str:
    """A reflection's file name: its source key, or id and title, which stay the same from
    one export to the next as long as the title does."""
    return reflection.source_key or f"{reflection.id}-{slugify(reflection.title)}"


def _file_keys(reflections: list[Reflection]) -> list[str]:
    """Made-up keys give way to real ones: an import of another library's export may
    have brought a source key that looks like one of ours."""
    taken = {reflection.source_key for reflection in reflections if reflection.source_key}
    keys = []
    for reflection in reflections:
        key = base = reflection_key(reflection)
        number = 1
        while not reflection.source_key and key in taken:
            number += 1
            key = f"{base}-{number}"
        taken.add(key)
        keys.append(key)
    return keys


def _plain(value):
    """YAML writes plain types only: enum members become their text."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _front_matter(values: dict) -> dict:
    """Empty values are left out: the importer reads a missing key as empty."""
    return {name: _plain(value) for name, value in values.items()
            if value is not None and value != "" and value != []}


class _Dumper(yaml.SafeDumper):
    """Text of several lines as a `|` block, as a person would write it."""


def _represent_text(dumper: yaml.SafeDumper, text: str):
    return dumper.represent_scalar("tag:yaml.org,2002:str", text,
                                   style="|" if "\n" in text else None)


_Dumper.add_representer(str, _represent_text)


def _glossary_entry(entry: GlossaryEntry) -> dict:
    """As an editor writes it. `english_only: false` only where the import would ask
    for a decision (content_glossary.also_dutch_words): the entry was imported so."""
    values = {"en": list(entry.english), "nl": list(entry.dutch)}
    if entry.english_only or also_dutch_words(entry.english, entry.dutch):
        values["english_only"] = entry.english_only
    return values


def _yaml(data) -> str:
    """Short lists on one line, as people write them; no line folding, for clean diffs."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=None, width=1_000_000)


def _markdown_file(meta: dict, body: str) -> str:
    return f"---\n{_yaml(meta)}---\n{body}\n"


def _moment(value: datetime | None):
    """To the second, as the file keeps it; a midnight as its day, as people write it."""
    if value is None:
        return None
    value = value.astimezone(timezone.utc).replace(microsecond=0)
    return value.date() if value.time() == time() else value


def _year(value: str) -> int | str:
    return int(value) if value else ""


def _email(item) -> str:
    return item.owner.email if item.owner is not None else ""


def _clean(value):
    return value.strip() if isinstance(value, str) else value


def _read_back_problem(text: str, meta: dict, expected=None, read=None) -> str:
    """Why an import would not read `text` as `meta` and, for an item, as `expected` (its
    form input, read with `read`); '' when it would."""
    try:
        read_meta, body = parse_markdown_file(text.encode("utf-8"))
        got = read(read_meta, body) if read else None
    except FileProblem as problem:
        return f"would not import: {problem}"
    if read_meta != meta:
        return "its front matter would read back differently"
    if got is None:
        return ""
    wrong = [name for name, value in asdict(expected).items()
             if _clean(getattr(got, name)) != _clean(value)]
    return f"would read back differently: {', '.join(wrong)}" if wrong else ""


def _term_entry(term: Term) -> dict:
    """A term as its line of taxonomy.yml; an organisation with its kind, parent and
    aliases (editors' filed names among them), as services/organisations.py reads them."""
    entry = {"slug": term.slug, "label": term.label, "label_en": term.label_en}
    if term.kind == TermKind.ORGANISATION.value:
        entry.update(kind=term.category,
                     parent=term.parent.slug if term.parent is not None else "",
                     aliases=list(term.aliases or []))
    return entry


class _Writer:
    def __init__(self, folder: Path, report: ExportReport, include_private: bool):
        self.folder = folder
        self.report = report
        self.include_private = include_private
        report.counts.update(dict.fromkeys(KINDS, 0))  # a kind with nothing still shows 0
        self.visibilities = {v.value for v in Visibility} if include_private else set(SHARED)
        self.files: dict[str, str] = {}
        self.problems: list[str] = []

    def run(self) -> dict:
        """Write everything; returns the manifest of what was written."""
        self._vocabulary()
        self._roles_and_groups()
        self._reflections(self._cases())
        if self.problems:
            raise ExportFailed(self.problems)
        return {"exported_at": utcnow().isoformat(timespec="seconds"),
                "include_private": self.include_private, "counts": dict(self.report.counts),
                "files": self.files}

    def _write(self, relative: str, text: str, kind: str = "") -> None:
        data = text.encode("utf-8")
        if len(data) > MAX_FILE_BYTES:
            self.problems.append(f"{relative}: {len(data)} bytes, more than an import takes")
        if "/" in relative and not KEY_PATTERN.fullmatch(Path(relative).stem):
            self.problems.append(f"{relative}: not a file name an import takes")
        path = self.folder / relative
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        self.files[relative] = digest(data)
        if kind:
            self.report.counts[kind] += 1

    def _vocabulary(self) -> None:
        taxonomy: dict[str, list] = {kind.value: [] for kind in TermKind}
        for term in db.session.scalars(select(Term).where(Term.merged_into_id.is_(None))
                                       .order_by(Term.position, Term.id)):
            if term.kind in taxonomy:
                taxonomy[term.kind].append(_front_matter(_term_entry(term)))
                self.report.counts["terms"] += 1
        self._write(TAXONOMY_FILE, _yaml({kind: terms for kind, terms in taxonomy.items()
                                          if terms}))
        synonyms = [list(s.words) for s in db.session.scalars(
            select(SynonymSet).order_by(SynonymSet.id))]
        self._write(SYNONYMS_FILE, _yaml(synonyms))
        self.report.counts["synonym sets"] = len(synonyms)
        glossary = [_glossary_entry(entry) for entry in db.session.scalars(
            select(GlossaryEntry).order_by(GlossaryEntry.id))]
        self._write(GLOSSARY_FILE, GLOSSARY_HEADER + _yaml(glossary))
        self.report.counts["glossary entries"] = len(glossary)

    def _roles_and_groups(self) -> None:
        """The site keeps these descriptions only as sanitised HTML; HTML is Markdown too,
        and renders to itself."""
        for role in db.session.scalars(select(Role).order_by(Role.order, Role.id)):
            self._markdown("roles", f"roles/{role.id}.md",
                           {name: getattr(role, name) for name in ROLE_FIELDS},
                           role.description_html)
        for group in db.session.scalars(select(LearningGroup).order_by(LearningGroup.slug)):
            themes = [_front_matter({"slug": theme.slug, "name": theme.name,
                                     "description": theme.description})
                      for theme in group.subthemes]
            self._markdown("groups", f"groups/{group.slug}.md",
                           {"name": group.name, "summary": group.summary, "subthemes": themes},
                           group.description_html)

    def _published(self, model, order) -> list:
        return list(db.session.scalars(select(model).where(
            model.status.in_(PUBLISHED), model.visibility.in_(self.visibilities)
        ).order_by(order)))

    def _markdown(self, kind: str, relative: str, values: dict, body: str, expected=None,
                  read=None) -> None:
        meta = _front_matter(values)
        text = _markdown_file(meta, body)
        self._write(relative, text, kind)
        problem = _read_back_problem(text, meta, expected, read)
        if problem:
            self.problems.append(f"{relative}: {problem}")

    def _cases(self) -> set[str]:
        for case in (cases := self._published(Case, Case.slug)):
            data = case_as_input(case)
            values = {**asdict(data), "year_start": _year(data.year_start),
                      "year_end": _year(data.year_end), "author": _email(case),
                      "status": case.status, "published": _moment(case.published_at)}
            del values["body"], values["confirm_new"]
            self._markdown("cases", f"cases/{case.slug}.md", values, data.body, data, case_input)
        return {case.slug for case in cases}

    def _reflections(self, case_slugs: set[str]) -> None:
        reflections = self._published(Reflection, Reflection.id)
        for reflection, key in zip(reflections, _file_keys(reflections), strict=True):
            relative = f"reflections/{key}.md"
            data = reflection_as_input(reflection)
            if data.case and data.case not in case_slugs:
                self.report.warnings.append(
                    f"{relative}: its case '{data.case}' is not exported, so the file "
                    "does not name it")
                data = replace(data, case="")
            values = {name: value for name, value in asdict(data).items()
                      if name not in PROMPT_HEADINGS and name != "occurred_on"}
            values.update(date=reflection.occurred_on, author=_email(reflection),
                          status=reflection.status,
                          published=_moment(reflection.published_at))
            body = "\n\n".join(f"## {heading}\n\n{getattr(data, name)}"
                               for name, heading in PROMPT_HEADINGS.items()
                               if getattr(data, name))
            self._markdown("reflections", relative, values, body, data, reflection_input)


def export_content(directory: str | Path, *, include_private: bool = False) -> ExportReport:
    """Write the export to `directory`; raises ExportFailed, writing nothing there."""
    report = ExportReport(Path(directory).resolve())
    try:
        report.warnings += put_in_place(
            report.directory, lambda folder: _Writer(folder, report, include_private).run())
    except (FolderRefused, OSError) as refused:  # OSError: a folder we may not write, say
        raise ExportFailed([str(refused)]) from None
    return report
