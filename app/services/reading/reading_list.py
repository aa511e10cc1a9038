"""A learning group's reading list ("leerpad"), kept by its members and the editors.

Readers see an entry only when they may read its item in the shared lists (published and
within its visibility), so a list can point at group items without showing them to
outsiders; curators add only what they can read themselves.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Case, LearningGroup, ReadingListEntry, Reflection
from app.services.permissions import can_curate_reading_list, is_listed, is_private
from app.services.validation import Refused

MAX_NOTE = 300
MAX_ENTRIES = 50


def entries(user, group: LearningGroup) -> list[ReadingListEntry]:
    """The entries `user` may read, in the list's order."""
    rows = db.session.scalars(
        select(ReadingListEntry).where(ReadingListEntry.group_id == group.id)
        .options(selectinload(ReadingListEntry.case), selectinload(ReadingListEntry.reflection))
        .order_by(ReadingListEntry.position, ReadingListEntry.id))
    return [entry for entry in rows if is_listed(user, entry.item)]


def _require_curator(user, group: LearningGroup) -> None:
    if not can_curate_reading_list(user, group):
        raise PermissionError("only members and editors keep the reading list")


def _belongs(group: LearningGroup, item: Case | Reflection) -> bool:
    if isinstance(item, Case):
        return group in item.groups
    return item.group_id == group.id


def _item(user, group: LearningGroup, kind: str, item_id: int) -> Case | Reflection:
    """One of the group's own published items the curator may read, never a private one:
    a list is for the group, and an entry only its author could see would take a place
    in it that nobody else can see or clear."""
    model = Case if kind == "case" else Reflection
    item = db.session.get(model, item_id)
    if (item is None or is_private(item.visibility) or not _belongs(group, item)
            or not is_listed(user, item)):
        raise Refused("reading_list_unknown_item")
    return item


def add(user, group: LearningGroup, kind: str, item_id: int, note: str = "") -> None:
    """Put a published item the curator may read at the end of the list."""
    _require_curator(user, group)
    note = " ".join((note or "").split())
    if len(note) > MAX_NOTE:
        raise Refused("reading_list_note_too_long")
    item = _item(user, group, kind, item_id)
    count = db.session.scalar(select(func.count()).select_from(ReadingListEntry).where(
        ReadingListEntry.group_id == group.id)) or 0
    if count >= MAX_ENTRIES:
        raise Refused("reading_list_full")
    last = db.session.scalar(select(func.max(ReadingListEntry.position)).where(
        ReadingListEntry.group_id == group.id))
    entry = ReadingListEntry(group_id=group.id, position=(last or 0) + 1, note=note,
                             added_by_id=user.id, **{f"{kind}_id": item.id})
    db.session.add(entry)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Refused("reading_list_already_there") from None


def _entry(group: LearningGroup, entry_id: int) -> ReadingListEntry:
    entry = db.session.get(ReadingListEntry, entry_id)
    if entry is None or entry.group_id != group.id:
        raise LookupError(f"no entry {entry_id} in this reading list")
    return entry


def move(user, group: LearningGroup, entry_id: int, steps: int) -> None:
    """Move an entry up (-1) or down (+1) past its neighbour the curator can see;
    entries the curator cannot read keep their places."""
    _require_curator(user, group)
    entry = _entry(group, entry_id)
    _renumber(group)
    visible = entries(user, group)
    if entry not in visible:
        raise LookupError("not an entry this curator can see")
    other = visible.index(entry) + steps
    if 0 <= other < len(visible):
        neighbour = visible[other]
        entry.position, neighbour.position = neighbour.position, entry.position
    db.session.commit()


def _renumber(group: LearningGroup) -> None:
    """Positions 1, 2, 3, … in the current order, so that a swap always changes it."""
    rows = db.session.scalars(select(ReadingListEntry).where(
        ReadingListEntry.group_id == group.id).order_by(ReadingListEntry.position,
                                                        ReadingListEntry.id))
    for position, row in enumerate(rows, start=1):
        row.position = position


def remove(user, group: LearningGroup, entry_id: int) -> None:
    _require_curator(user, group)
    entry = _entry(group, entry_id)
    if not is_listed(user, entry.item):
        raise LookupError("not an entry this curator can see")
    db.session.delete(entry)
    db.session.commit()


def candidates(group: LearningGroup, items: list[Case | Reflection]) -> list[Case | Reflection]:
    """What a curator can add: of the group's items they may read (the group page has
    them loaded: browse.GroupOverview.items), those not on the list yet."""
    listed = {(entry.case_id, entry.reflection_id) for entry in db.session.scalars(
        select(ReadingListEntry).where(ReadingListEntry.group_id == group.id))}
    return [item for item in items
            if ((item.id, None) if isinstance(item, Case) else (None, item.id)) not in listed]
