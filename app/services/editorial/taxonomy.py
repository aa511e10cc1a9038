"""Keeping the vocabularies tidy: editors rename an entry, or merge a duplicate into the
entry that stays.

Four sorts of list look alike to editors, so they share one interface here:
- terms (policy domains, stakeholder types, organisations, …): a row items point at, so a
  rename is one row and the slug stays, keeping addresses and the index valid; an
  organisation keeps its old name as an alias (a former name), and a merged one's units
  move to the one it was merged into;
- learning-group sub-themes: the same, except that a merge stays within one group;
- organisation names the vocabulary does not know (yet): free text on each case, so the
  entry *is* its text. Renaming it rewrites the cases that carry it; "merging" it files
  it: the name becomes an alias of an organisation of the vocabulary, and every case
  with that name gets that organisation (services/organisations.py).

Items change through the ORM, one by one, never through a bulk UPDATE: the change log
records whatever a flush changes (indexer/outbox.py), so the index follows a merge by
itself. A rename of a term or sub-theme changes no item and needs no reindexing: the
index holds slugs, and pages and facets look the labels up when they show them.

Lists and counts go through the permission rule, like every other count on the site. A
term merge still moves every item, private ones too, because the merged term is deleted
and nothing may lose its link. Organisation text belongs to the case, so a rename or
merge changes only the cases the editor may edit.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, LearningGroup, Reflection, SubTheme, Term, TermKind
from app.services import organisations
from app.services.editorial import audit
from app.services.permissions import is_editor, visible_condition
from app.services.validation import Checker

MAX_NAME = 200   # Term.label, SubTheme.name and Case.organisation alike
SUBTHEMES = "subthemes"
ORGANISATIONS = TermKind.ORGANISATION.value
UNFILED = "unfiled_organisations"   # names of organisations the vocabulary does not know
# Per kind of term, the relations through which items use it. The quadrant axes are left
# out: they are the four fixed labels around the quadrant, nothing is filed under them.
TERM_USES: dict[str, tuple[tuple[type, str], ...]] = {
    TermKind.POLICY_DOMAIN.value: ((Case, "policy_domain"),),
    TermKind.STAKEHOLDER_TYPE.value: ((Case, "stakeholder_types"),),
    TermKind.ORGANISATION.value: ((Case, "organisation_term"),),
    TermKind.PHASE.value: ((Case, "phase"),),
    TermKind.SCALE.value: ((Case, "scale"),),
    TermKind.REFLECTION_CONTEXT.value: ((Reflection, "context"),),
}
SUBTHEME_USES = ((Case, "subthemes"),)
VOCABULARIES = (*TERM_USES, SUBTHEMES, UNFILED)


@dataclass(frozen=True)
class Entry:
    vocabulary: str
    key: str                    # the row id as text; for an organisation, its text
    name: str
    cases: int = 0              # items using it that the editor may see
    reflections: int = 0
    slug: str = ""
    group_id: int | None = None  # a sub-theme's learning group
    group_name: str = ""
    # An organisation's kind, the organisation it is part of, and its other names.
    category: str = ""
    within: str = ""
    aliases: tuple[str, ...] = ()


def _require(user, vocabulary: str) -> None:
    if not is_editor(user):
        raise PermissionError("only editors manage the taxonomy")
    if vocabulary not in VOCABULARIES:
        raise LookupError(f"unknown vocabulary {vocabulary!r}")


def _model(vocabulary: str) -> type[Term] | type[SubTheme]:
    return SubTheme if vocabulary == SUBTHEMES else Term


def _uses(vocabulary: str) -> tuple[tuple[type, str], ...]:
    return SUBTHEME_USES if vocabulary == SUBTHEMES else TERM_USES[vocabulary]


def _usage(user, vocabulary: str) -> Counter:
    """(row id, "cases" or "reflections") -> how many items `user` may see use the row."""
    target, counts = _model(vocabulary), Counter()
    for model, attribute in _uses(vocabulary):
        rows = db.session.execute(
            select(target.id, func.count(model.id.distinct()))
            .select_from(model).join(getattr(model, attribute))
            .where(visible_condition(user, model)).group_by(target.id))
        field = "cases" if model is Case else "reflections"
        counts.update({(row_id, field): count for row_id, count in rows})
    return counts


def _rows(vocabulary: str) -> list[Term] | list[SubTheme]:
    if vocabulary == SUBTHEMES:
        return list(db.session.scalars(select(SubTheme).join(SubTheme.group)
                                       .order_by(LearningGroup.name, SubTheme.position)))
    return list(db.session.scalars(select(Term).where(Term.kind == vocabulary,
                                                      Term.merged_into_id.is_(None))
                                   .order_by(Term.position, Term.label)))


def _unfiled(user) -> list[Entry]:
    """The organisation names of cases the editor may read that the vocabulary does not
    know, each with how many of those cases carry it."""
    rows = db.session.execute(
        select(Case.organisation, func.count(Case.id))
        .where(Case.organisation_id.is_(None), Case.organisation != "",
               visible_condition(user, Case))
        .group_by(Case.organisation))
    return [Entry(UNFILED, name, name, cases=count)
            for name, count in sorted(rows, key=lambda row: (row[0].casefold(), row[0]))]


def entries(user, vocabulary: str) -> list[Entry]:
    """Every entry of the list, in the order forms offer them, with its use counts."""
    _require(user, vocabulary)
    if vocabulary == UNFILED:
        return _unfiled(user)
    counts = _usage(user, vocabulary)
    rows = _rows(vocabulary)
    names = {row.id: row.label for row in rows} if vocabulary == ORGANISATIONS else {}
    return [_row_entry(vocabulary, row, counts, names) for row in rows]


def _row_entry(vocabulary: str, row: Term | SubTheme, counts: Counter,
               names: dict[int, str]) -> Entry:
    group = row.group if isinstance(row, SubTheme) else None
    extra = {}
    if isinstance(row, Term) and row.kind == ORGANISATIONS:
        extra = {"category": row.category, "within": names.get(row.parent_id, ""),
                 "aliases": tuple(row.aliases or ())}
    return Entry(vocabulary, str(row.id), _name(row), cases=counts[row.id, "cases"],
                 reflections=counts[row.id, "reflections"], slug=row.slug,
                 group_id=group.id if group else None, group_name=group.name if group else "",
                 **extra)


def find_entry(user, vocabulary: str, key: str) -> Entry | None:
    return next((entry for entry in entries(user, vocabulary) if entry.key == key), None)


def merge_targets(user, entry: Entry) -> list[Entry]:
    """The entries `entry` may be merged into, and whose names a rename must not repeat:
    the rest of its list (for a sub-theme, of its learning group). A name the vocabulary
    does not know is filed under an organisation of the vocabulary."""
    if entry.vocabulary == UNFILED:
        return entries(user, ORGANISATIONS)
    return [other for other in entries(user, entry.vocabulary)
            if other.key != entry.key and other.group_id == entry.group_id]


def _name(row: Term | SubTheme) -> str:
    return row.label if isinstance(row, Term) else row.name


def _existing(user, vocabulary: str, key: str) -> Entry:
    entry = find_entry(user, vocabulary, key)
    if entry is None:
        raise LookupError(f"no {vocabulary} entry {key!r}")
    return entry


def _name_in_use(user, entry: Entry, name: str) -> bool:
    """Whether another entry of the list is called `name` (ignoring capitals); for an
    organisation, whether `name` is any name (label, alias, …) of another organisation."""
    if entry.vocabulary == ORGANISATIONS:
        found = organisations.resolver().find(name)
        return found is not None and str(found.id) != entry.key
    return any(other.name.casefold() == name.casefold()
               for other in merge_targets(user, entry))


def _checked_name(user, entry: Entry, value: str | None) -> str:
    check = Checker()
    name = " ".join(check.text("new_name", value, required=True, max_length=MAX_NAME).split())
    if not check.errors:
        if name == entry.name:
            check.fail("new_name", "unchanged")
        elif entry.vocabulary != UNFILED and _name_in_use(user, entry, name):
            check.fail("new_name", "in_use")
    check.done()
    return name


def _rewrite_organisation(user, old: str, new: str) -> int:
    """Editors edit every case they can read, so the cases they may see are the ones to
    change (permissions.can_edit); a private case keeps its author's words. A new name
    the vocabulary knows files the cases under that organisation."""
    cases = list(db.session.scalars(
        select(Case).where(Case.organisation_id.is_(None), Case.organisation == old,
                           visible_condition(user, Case))))
    for case in cases:
        case.organisation = new
    organisations.file_cases(cases)
    return len(cases)


def _renamed_organisation(row: Term, name: str) -> None:
    """An organisation's old name stays one of its names (a former name): cases and
    texts that use it still find it."""
    kept = [alias for alias in row.aliases or [] if organisations.normal(alias)
            != organisations.normal(name)]
    if organisations.normal(row.label) not in {organisations.normal(alias) for alias in kept}:
        kept.append(row.label)
    row.aliases = kept


def rename(user, vocabulary: str, key: str, new_name: str | None) -> Entry:
    """Give an entry a new name; ValidationFailed (field `new_name`) when it cannot."""
    entry = _existing(user, vocabulary, key)
    name = _checked_name(user, entry, new_name)
    row = None
    if vocabulary == UNFILED:
        changed = _rewrite_organisation(user, entry.name, name)
    else:
        row, changed = db.session.get(_model(vocabulary), int(key)), 0
        if vocabulary == ORGANISATIONS:
            _renamed_organisation(row, name)
        setattr(row, "label" if isinstance(row, Term) else "name", name)
    audit.record(user, "term_renamed", row,
                 f"{vocabulary}: ‘{entry.name}’ → ‘{name}’ (items changed: {changed})")
    db.session.commit()
    if vocabulary == UNFILED:
        return find_entry(user, vocabulary, name) or Entry(UNFILED, name, name)
    return _existing(user, vocabulary, key)


def _refusal(source: Entry, key: str) -> str:
    """Why `key` names no entry `source` can merge into, as a code the interface words."""
    if key == source.key and source.vocabulary != UNFILED:
        return "same"
    if source.vocabulary == UNFILED or not re.fullmatch(r"[0-9]{1,12}", key):
        return "unknown"
    row = db.session.get(_model(source.vocabulary), int(key))
    if isinstance(row, Term) and row.kind != source.vocabulary:
        return "other_kind"
    if isinstance(row, SubTheme) and row.group_id != source.group_id:
        return "other_group"
    return "unknown"


def _checked_target(user, source: Entry, value: str | None) -> Entry:
    check = Checker()
    key = check.text("merge_into", value, required=True)
    target = None
    if not check.errors:
        target = next((other for other in merge_targets(user, source) if other.key == key),
                      None)
        if target is None:
            check.fail("merge_into", _refusal(source, key), value=key)
        elif source.vocabulary == ORGANISATIONS and _is_unit(target, source):
            check.fail("merge_into", "own_unit", value=key)
    check.done()
    return target


def _is_unit(target: Entry, source: Entry) -> bool:
    """Whether organisation `target` is part of organisation `source`: merging a ministry
    into its own directorate would make that directorate part of itself."""
    tree = organisations.Tree.load()
    unit, whole = tree.by_id.get(int(target.key)), tree.by_id.get(int(source.key))
    return unit is not None and whole is not None and tree.is_within(unit, whole)


def _move_links(vocabulary: str, old: Term | SubTheme, new: Term | SubTheme) -> int:
    """Point every item that uses `old` at `new` instead, whoever may read it, then drop
    `old`; an item that already had both keeps `new` once."""
    moved = 0
    for model, attribute in _uses(vocabulary):
        relation = getattr(model, attribute)
        many = relation.property.uselist
        using = relation.any(id=old.id) if many else relation.has(id=old.id)
        for item in db.session.scalars(select(model).where(using)):
            if many:
                linked = getattr(item, attribute)
                linked.remove(old)
                if new not in linked:
                    linked.append(new)
            else:
                setattr(item, attribute, new)
            moved += 1
    if isinstance(old, Term):
        old.merged_into_id = new.id  # a tombstone: see Term.merged_into_id
        for unit in db.session.scalars(select(Term).where(Term.parent_id == old.id)):
            unit.parent = new   # an organisation's units go along with it
    else:
        db.session.delete(old)
    return moved


def _file(user, source: Entry, target: Entry) -> tuple[Term, int]:
    """File a name the vocabulary did not know under organisation `target`: the name
    becomes one of its aliases, and every case with that name gets the organisation,
    whoever may read it (as the next content import would do: the name now means it), as
    do cases with another spelling of it. Returns the organisation and how many of those
    cases the editor may read."""
    row = db.session.get(Term, int(target.key))
    if organisations.resolver().find(source.name) is None:
        row.aliases = [*(row.aliases or []), source.name]
    named = organisations.unfiled_cases(Case.organisation == source.name)
    for case in named:
        case.organisation_term, case.organisation = row, ""
    db.session.flush()
    spelled = organisations.file_cases(organisations.unfiled_cases())
    changed = [case.id for case in named] + [case.id for case, _how in spelled]
    readable = db.session.scalar(select(func.count(Case.id)).where(
        Case.id.in_(changed), visible_condition(user, Case)))
    return row, readable


def merge(user, vocabulary: str, key: str, into: str | None) -> Entry:
    """Merge entry `key` into entry `into`: its items move over and it disappears.
    ValidationFailed (field `merge_into`) when `into` is not an entry it can merge into.
    For a name the vocabulary does not know, `into` is the organisation to file it under."""
    source = _existing(user, vocabulary, key)
    target = _checked_target(user, source, into)
    if vocabulary == UNFILED:
        row, filed = _file(user, source, target)
        audit.record(user, "organisation_filed", row,
                     f"‘{source.name}’ filed as a name of ‘{target.name}’ (cases: {filed})")
        db.session.commit()
        return _existing(user, ORGANISATIONS, target.key)
    model = _model(vocabulary)
    row = db.session.get(model, int(target.key))
    moved = _move_links(vocabulary, db.session.get(model, int(source.key)), row)
    audit.record(user, "term_merged", row,
                 f"{vocabulary}: ‘{source.name}’ ({source.slug or source.key}) merged into"
                 f" ‘{target.name}’ (items moved: {moved})")
    db.session.commit()
    return _existing(user, vocabulary, target.key)


def overview(user) -> dict[str, int]:
    """Vocabulary -> how many entries it has, for the editors' starting page."""
    return {vocabulary: len(entries(user, vocabulary)) for vocabulary in VOCABULARIES}
