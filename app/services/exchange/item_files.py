"""A case or a reflection file in content/: the steps its import takes, written once,
with an ItemFiles value saying where the two kinds differ (the column its file name is
kept in, how its front matter becomes form input, where its date is, and the rules only
case files meet). content_import.py runs these inside its one transaction.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import Case, ItemMixin, Status, utcnow
from app.services.contributing.cases import CASE_KIND, RESERVED_SLUGS
from app.services.contributing.item_kind import ItemKind
from app.services.contributing.reflections import REFLECTION_KIND
from app.services.exchange.content_files import (
    FileProblem,
    Source,
    as_text,
    case_input,
    published_at,
    reflection_input,
)
from app.services.people.accounts import find_user
from app.services.permissions import is_private


def _owner_id(meta: dict) -> int | None:
    """The file is the truth about its author: no `author`, no owner. A private item
    without an author could be read by nobody, so that is a mistake in the file."""
    if meta.get("author") is None:
        if is_private(as_text(meta.get("visibility"), "visibility")):
            raise FileProblem("a private item needs an author: only its author can read it")
        return None
    user = find_user(as_text(meta["author"], "author"))
    if user is None:
        raise FileProblem(f"author '{meta['author']}' is not the e-mail address of a user; "
                          "create the account first (flask user create)")
    return user.id


def _status(meta: dict) -> str:
    status = as_text(meta.get("status") or Status.PUBLISHED.value, "status")
    if status not in {s.value for s in Status}:
        raise FileProblem(f"status '{status}' is not one of {[s.value for s in Status]}")
    return status


def _case_file_rules(case: Case | None, slug: str) -> str | None:
    """What only a case file meets, because a case's file name is its address: a slug
    that editors merged away, one that a case written in Casusbank has, or one that is a
    page of its own. Returns the outcome when the file is to be skipped."""
    if case is not None and case.merged_into_id is not None:
        return "unchanged"  # editors merged it into another case: the file is history
    if case is not None and case.content_hash is None:
        raise FileProblem("a case with this slug was written in Casusbank itself")
    if slug in RESERVED_SLUGS:
        raise FileProblem(f"/casussen/{slug} is a page of its own; rename the file")
    return None


def _no_rules_of_its_own(_item, _key: str) -> None:
    return None


@dataclass(frozen=True)
class ItemFiles:
    """How one kind of item is written as files in content/: all that differs between
    importing a case file and a reflection file (apply_item_file takes the steps)."""

    kind: ItemKind
    key_column: str  # the model's column that holds the file name
    read_input: Callable[[dict, str], object]  # front matter and body as form input
    # Where the publication date is: the first of these keys the file gives.
    date_keys: tuple[str, ...]
    own_rules: Callable[[ItemMixin | None, str], str | None] = _no_rules_of_its_own


CASE_FILES = ItemFiles(CASE_KIND, "slug", case_input, ("published",),
                       own_rules=_case_file_rules)
# `published` when the file has it (an export writes it), else the day it happened.
REFLECTION_FILES = ItemFiles(REFLECTION_KIND, "source_key", reflection_input,
                             ("published", "date"))


def _first_given(meta: dict, keys: tuple[str, ...]):
    """The value of the first of `keys` that the front matter gives (a value that is not
    empty), else what the last one holds."""
    value = meta.get(keys[0])
    for key in keys[1:]:
        value = value or meta.get(key)
    return value


def apply_item_file(files: ItemFiles, source: Source) -> tuple[str, ItemMixin | None]:
    """One case or reflection file: (outcome, the item written, or None when the file
    was skipped). The item is filled but not flushed; the import commits everything."""
    item = _stored_item(files, source.key)
    if item is not None and item.content_hash == source.digest:
        return "unchanged", None
    skipped = files.own_rules(item, source.key)
    if skipped:
        return skipped, None
    meta = source.meta
    owner_id = _owner_id(meta)
    values = files.kind.check(files.read_input(meta, source.body), author=None)
    status, published = _status(meta), published_at(_first_given(meta, files.date_keys))
    outcome = "updated" if item else "new"
    if item is None:  # only now, with the file found sound: no half-filled row to flush
        item = files.kind.model(**{files.key_column: source.key})
        db.session.add(item)
    files.kind.fill(item, values)
    item.owner_id = owner_id
    _publication(item, published, status)
    item.content_hash = source.digest
    return outcome, item


def _stored_item(files: ItemFiles, key: str) -> ItemMixin | None:
    model = files.kind.model
    return db.session.scalar(select(model).where(getattr(model, files.key_column) == key))


def _publication(item, published: datetime | None, status: str) -> None:
    item.status = status
    if status == Status.PUBLISHED:
        item.published_at = published or item.published_at or utcnow()
