"""An item's history: comparing two revisions word by word, and restoring one.

A restore submits the old revision's form values again through the ordinary edit path,
so today's rules check them, the status rules of editorial/workflow.py apply, and the restore is
itself a new revision: nothing in the history is ever rewritten.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.diffing import Segment, has_changes, word_diff
from app.extensions import db
from app.models import Case, ItemMixin, Revision
from app.services.contributing import revisions
from app.services.contributing.cases import CASE_KIND, get_visible_case
from app.services.contributing.item_kind import ItemKind
from app.services.contributing.reflections import REFLECTION_KIND
from app.services.editorial import audit
from app.services.permissions import can_edit, can_view, is_private_from
from app.services.validation import ValidationFailed


@dataclass(frozen=True)
class FieldChange:
    field: str
    segments: list[Segment]


def _as_text(value) -> str:
    """Lists (roles, groups, …) compare as one line of comma-separated values."""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return "" if value is None else str(value)


def compare(user, older: Revision, newer: Revision) -> list[FieldChange]:
    """The fields that differ, each as word-level segments, in the form's field order."""
    before, after = readable_fields(user, older), readable_fields(user, newer)
    names = list(dict.fromkeys([*after, *before]))
    changes = []
    for name in names:
        segments = word_diff(_as_text(before.get(name)), _as_text(after.get(name)))
        if has_changes(segments):
            changes.append(FieldChange(name, segments))
    return changes


def can_see_history(user, item: ItemMixin) -> bool:
    """Earlier versions may hold what the author took out on purpose (a name, a remark):
    only those who may edit the item see them."""
    return can_edit(user, item)


def readable_history(user, item: ItemMixin) -> list[Revision]:
    """Newest first: every revision for the author; for editors none from a time when
    the item was private, because then only its author could read it."""
    return [entry for entry in revisions.history(item)
            if not is_private_from(user, item, entry)]


def readable_fields(user, entry: Revision) -> dict:
    """The revision's fields, with the case a reflection was on left out when the reader
    may not see that case (its slug is its title)."""
    slug = entry.fields.get("case")
    if slug and get_visible_case(user, slug) is None:
        return {**entry.fields, "case": ""}
    return entry.fields


def merged_case(user, entry: Revision) -> Case | None:
    """For a revision made by a merge: the case merged away, if the reader may see it."""
    if entry.reason not in ("merged", "moved") or not entry.reason_detail.isdigit():
        return None
    case = db.session.get(Case, int(entry.reason_detail))
    return case if case is not None and can_view(user, case) else None


def _kind(item: ItemMixin) -> ItemKind:
    return CASE_KIND if isinstance(item, Case) else REFLECTION_KIND


def _as_input(kind: ItemKind, fields: dict):
    """A stored snapshot as form input; fields added since keep their defaults, fields
    taken out since are left out."""
    return kind.input_class(**{name: value for name, value in fields.items()
                               if name in kind.form})


def restore(user, item: ItemMixin, number: int) -> None:
    """Make revision `number` the current text again (ValidationFailed when today's rules
    refuse it, e.g. a learning group that no longer exists)."""
    if not can_edit(user, item):
        raise PermissionError("only the author and editors restore a revision")
    old = next((entry for entry in readable_history(user, item) if entry.number == number),
               None)
    if old is None:
        raise LookupError(f"no revision {number} that this reader may see")
    audit.record(user, "restored", item, f"versie {number}")  # committed by the update
    kind = _kind(item)
    try:
        kind.update(user, item, _as_input(kind, old.fields), reason="restored",
                    detail=str(number))
    except ValidationFailed:
        db.session.rollback()  # the audit entry above must not outlive the failed restore
        raise
