"""Imports content/: the taxonomy, roles, learning groups, cases and reflections.

All or nothing: every file is read and checked inside one transaction, and a single
problem anywhere rolls the whole run back, listing every problem with its file. The
glossary alone is checked entry by entry and reports warnings instead
(content_glossary.py): a slip in it never holds back the rest. A file
whose bytes did not change since the last import is skipped, so a second run writes
nothing. Items are checked by the same rules as the web forms. Each new or changed case
and reflection gets an "imported" revision, so its history starts with the file's text.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import partial
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    Case,
    ItemMixin,
    LearningGroup,
    Role,
    SubTheme,
)
from app.rendering import render_markdown
from app.services import organisations
from app.services.contributing.cases import CaseInput
from app.services.contributing.reflections import PROMPT_HEADINGS, ReflectionInput
from app.services.contributing.revisions import record_revision
from app.services.exchange.content_files import (
    KEY_PATTERN,
    FileProblem,
    Source,
    as_list,
    as_text,
    folder_files,
    read_source,
    shown_path,
)
from app.services.exchange.content_glossary import GlossaryRow, apply_glossary, read_glossary
from app.services.exchange.content_vocabulary import (
    TAXONOMY_FILE,
    apply_synonyms,
    apply_taxonomy,
    read_synonyms,
    read_taxonomy,
)
from app.services.exchange.item_files import (
    CASE_FILES,
    REFLECTION_FILES,
    ItemFiles,
    apply_item_file,
)
from app.services.validation import ValidationFailed

POSITIONS = {"boven-links", "boven-rechts", "onder-links", "onder-rechts"}
MAX_ORDER = 1_000  # a role's place in lists; a larger number would not fit the column
ROLE_KEYS = {"label", "label_en", "short", "short_en", "paradigm", "position", "order",
             "behaviours"}
GROUP_KEYS = {"name", "summary", "subthemes"}
CASE_KEYS = ({f.name for f in fields(CaseInput)} - {"body", "confirm_new"}
             | {"status", "published", "author"})
REFLECTION_KEYS = ({f.name for f in fields(ReflectionInput)} - set(PROMPT_HEADINGS)
                   - {"occurred_on"} | {"status", "date", "published", "author"})


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ContentInvalid(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


MAX_NAMED = 20  # organisation names a warning lists before it says how many more


@dataclass
class ImportReport:
    counts: dict[str, Counter] = field(default_factory=dict)
    # Cases whose organisation text the vocabulary now knows (services/organisations.py).
    organisations_filed: int = 0
    # What was imported all the same but wants an editor's look: glossary entries left
    # out, organisation names to file (the command prints them).
    warnings: list[Problem] = field(default_factory=list)

    def count(self, kind: str, outcome: str) -> None:
        self.counts.setdefault(kind, Counter())[outcome] += 1

    @property
    def changed(self) -> bool:
        return (any(c["new"] or c["updated"] for c in self.counts.values())
                or bool(self.organisations_filed))

    def summary(self) -> str:
        parts = [f"{kind}: {c['new']} new, {c['updated']} updated, {c['unchanged']} unchanged"
                 for kind, c in self.counts.items()]
        if self.organisations_filed:
            parts.append(f"organisations: {self.organisations_filed} case(s) filed under"
                         " the vocabulary")
        return "; ".join(parts)


class Importer:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.problems: list[Problem] = []
        self.report = ImportReport()
        self.revised: list[tuple[ItemMixin, Callable]] = []  # (item, its snapshot)
        self.known: organisations.Resolver | None = None  # pinned while items are applied

    def run(self) -> ImportReport:
        """Import everything or nothing; raises ContentInvalid listing every problem."""
        if not self.root.is_dir():
            raise ContentInvalid([Problem(str(self.root), "is not a folder")])
        taxonomy = read_taxonomy(self.root, self._problem)
        synonyms = read_synonyms(self.root, self._problem)
        glossary = read_glossary(self.root, self._warn)
        sources = {kind: self._read_folder(kind, keys) for kind, keys in (
            ("roles", ROLE_KEYS), ("groups", GROUP_KEYS), ("cases", CASE_KEYS),
            ("reflections", REFLECTION_KEYS))}
        try:
            if not self.problems:
                # One flush per kind, not one per lazy load: one change-log row per item.
                with db.session.no_autoflush:
                    self._apply_all(taxonomy, synonyms, glossary, sources)
            if self.problems:
                raise ContentInvalid(self.problems)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        return self.report

    def _apply_all(self, taxonomy: dict, synonyms: list[list[str]],
                   glossary: list[GlossaryRow] | None, sources: dict[str, list[Source]]) -> None:
        apply_taxonomy(taxonomy, self._problem, self.report.count)
        apply_synonyms(synonyms, self.report.count)
        if glossary is not None:   # None: the file could not be read; the glossary stays
            apply_glossary(glossary, self.report.count)
        try:
            db.session.flush()  # the vocabulary, before anything is checked against it
        except IntegrityError as error:
            self._problem(TAXONOMY_FILE, f"two entries claim the same slug: {error.orig}")
            return
        with organisations.pinned() as known:
            self.known = known
            if not self._apply_items(sources):
                return
            if not self.problems:
                self._file_organisations(known)
        self._check_roles_and_revise()

    def _apply_items(self, sources: dict[str, list[Source]]) -> bool:
        appliers = {"roles": self._apply_role, "groups": self._apply_group,
                    "cases": partial(self._apply_item, CASE_FILES),
                    "reflections": partial(self._apply_item, REFLECTION_FILES)}
        for kind, applier in appliers.items():
            for source in sources[kind]:
                self._guarded(kind, source, applier)
            try:
                db.session.flush()  # later kinds look the earlier ones up
            except IntegrityError as error:
                self._problem(kind, f"two files claim the same key: {error.orig}")
                return False
        return True

    def _file_organisations(self, known: organisations.Resolver) -> None:
        """Cases whose organisation is still free text (files imported before the
        vocabulary had it, cases written on the site) get it when the vocabulary knows it
        now; the names it does not know stay as written, and are reported: editors file
        them from their desk."""
        for case, resolution in organisations.file_cases(organisations.unfiled_cases(), known):
            self.report.organisations_filed += 1
            self._note_others(f"cases/{case.slug}.md" if case.content_hash else
                              f"case {case.id}", resolution)
        db.session.flush()
        from_files: dict[str, list[str]] = {}
        written_here = 0
        for case in organisations.unfiled_cases():
            if case.content_hash:
                from_files.setdefault(case.organisation, []).append(f"cases/{case.slug}.md")
            else:
                written_here += 1
        for name, paths in sorted(from_files.items())[:MAX_NAMED]:
            self._warn(", ".join(paths), f"organisation '{name}' is not in the vocabulary;"
                       " kept as written, for the editors to file (/redactie) or to add to"
                       " taxonomy.yml")
        if len(from_files) > MAX_NAMED:
            self._warn("cases", f"… and {len(from_files) - MAX_NAMED} more organisation"
                       " names not in the vocabulary")
        if written_here:
            self._warn("cases", f"{written_here} case(s) written on the site name an"
                       " organisation that is not in the vocabulary; the editors' desk"
                       " (/redactie) lists them")

    def _note_others(self, where: str, resolution: organisations.Resolution) -> None:
        if resolution.others:
            others = ", ".join(f"'{other.label}'" for other in resolution.others)
            self._warn(where, "the organisation names more than one organisation; filed"
                       f" under '{resolution.term.label}' (named first), not under {others}")

    def _check_roles_and_revise(self) -> None:
        positions = Counter(db.session.scalars(select(Role.position)))
        for position, count in positions.items():
            if count > 1:
                self.problems.append(Problem("roles", f"{count} roles at position {position}"))
        if not self.problems:
            for item, snapshot in self.revised:
                # Reloaded, so that lists come in the order the database gives them (roles
                # by their order, not as the file listed them), as every later snapshot will.
                db.session.expire(item)
                record_revision(item, snapshot(item), None, "imported")

    def _problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def _warn(self, path: str, message: str) -> None:
        self.report.warnings.append(Problem(path, message))

    def _read_folder(self, kind: str, keys: set[str]) -> list[Source]:
        try:
            paths = folder_files(self.root / kind, self.root)
        except FileProblem as problem:
            self._problem(kind, str(problem))
            return []
        sources = []
        for path in paths:
            try:
                sources.append(read_source(path, self.root, keys))
            except (FileProblem, OSError) as error:
                self._problem(shown_path(path, self.root), str(error))
        return sources

    def _guarded(self, kind: str, source: Source, applier) -> None:
        try:
            outcome = applier(source)
        except FileProblem as problem:
            self._problem(source.path, str(problem))
        except ValidationFailed as failure:
            for name, error in failure.errors.items():
                self._problem(source.path, f"{name} {error}")
        else:
            self.report.count(kind, outcome)

    def _apply_role(self, source: Source) -> str:
        role = db.session.get(Role, source.key)
        if role is not None and role.content_hash == source.digest:
            return "unchanged"
        meta = source.meta
        if not meta.get("label"):
            raise FileProblem("label is required")
        if as_text(meta.get("position"), "position") not in POSITIONS:
            raise FileProblem(f"position must be one of {sorted(POSITIONS)}")
        order = meta.get("order", 0)
        if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= MAX_ORDER:
            raise FileProblem(f"order must be a whole number from 0 to {MAX_ORDER}")
        texts = {name: as_text(meta.get(name), name) for name in (
            "label", "label_en", "short", "short_en", "paradigm", "position")}
        behaviours = as_list(meta.get("behaviours"), "behaviours")
        outcome = "updated" if role else "new"
        if role is None:  # only now, with the file found sound: no half-filled row to flush
            role = Role(id=source.key)
            db.session.add(role)
        for name, text in texts.items():
            setattr(role, name, text)
        role.order, role.behaviours = order, behaviours
        role.description_html = render_markdown(source.body).html
        role.content_hash = source.digest
        return outcome

    def _subthemes(self, group: LearningGroup | None, entries) -> list[SubTheme]:
        existing = {theme.slug: theme for theme in db.session.scalars(select(SubTheme))}
        themes = []
        if not isinstance(entries or [], list):
            raise FileProblem("subthemes must be a list")
        for position, entry in enumerate(entries or []):
            entry = entry if isinstance(entry, dict) else {}
            slug = as_text(entry.get("slug"), f"subthemes[{position}].slug")
            if not KEY_PATTERN.fullmatch(slug) or not entry.get("name"):
                raise FileProblem(f"subthemes[{position}] needs a slug and a name")
            theme = existing.get(slug) or SubTheme(slug=slug)
            if theme.group is not None and theme.group is not group:
                raise FileProblem(f"sub-theme '{slug}' already belongs to another group")
            theme.name = as_text(entry["name"], f"subthemes[{position}].name")
            theme.position = position
            theme.description = as_text(entry.get("description"),
                                        f"subthemes[{position}].description")
            themes.append(theme)
        return themes

    def _apply_group(self, source: Source) -> str:
        group = db.session.scalar(select(LearningGroup).where(LearningGroup.slug == source.key))
        if group is not None and group.content_hash == source.digest:
            return "unchanged"
        if not source.meta.get("name"):
            raise FileProblem("name is required")
        name = as_text(source.meta["name"], "name")
        summary = as_text(source.meta.get("summary"), "summary")
        themes = self._subthemes(group, source.meta.get("subthemes"))
        outcome = "updated" if group else "new"
        if group is None:
            group = LearningGroup(slug=source.key)
            db.session.add(group)
        group.name, group.summary, group.subthemes = name, summary, themes
        group.description_html = render_markdown(source.body).html
        group.content_hash = source.digest
        return outcome

    def _apply_item(self, files: ItemFiles, source: Source) -> str:
        outcome, item = apply_item_file(files, source)
        if item is not None:
            self.revised.append((item, files.kind.snapshot))
            if isinstance(item, Case):
                self._note_others(source.path, self.known.resolve(
                    as_text(source.meta.get("organisation"), "organisation")))
        return outcome


def import_content(root: str | Path) -> ImportReport:
    return Importer(root).run()
