"""The editors' desk (/redactie) and the author's own overview (/mijn-bijdragen)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Case, ItemMixin, Reflection, Status
from app.services import organisations
from app.services.permissions import is_editor, reviewable_condition, signed_in
from app.services.reading.search import possible_duplicates

MODELS = (Case, Reflection)
RECENT = 15
INCOMPLETE = 30
DUPLICATE_SCAN = 100  # the newest cases checked for look-alikes; older pairs were seen
UNFILED_NAMES = 30   # organisation names the desk lists to be filed, most used first
UNFILED_CASES = 5    # cases it links to per name
_EPOCH = datetime.min.replace(tzinfo=timezone.utc)


@dataclass
class UnfiledName:
    """An organisation name cases carry that the vocabulary does not know."""

    name: str
    count: int              # cases the editor may curate with this name
    cases: list[Case]       # the first UNFILED_CASES of them, newest first


@dataclass
class Desk:
    queue: list[ItemMixin]            # submitted, waiting longest first
    recent: list[ItemMixin]           # last changed first
    incomplete: list[ItemMixin]       # no roles or no summary
    duplicates: list[tuple[Case, str, str]]
    unfiled: list[UnfiledName] = field(default_factory=list)
    unfiled_total: int = 0            # names in all, also beyond UNFILED_NAMES


def _readable(user, model):
    """Items the editor may curate, with their authors loaded in one go for the lists."""
    return (select(model).where(reviewable_condition(user, model))
            .options(selectinload(model.owner)))


def _queue(user) -> list[ItemMixin]:
    items = [item for model in MODELS for item in db.session.scalars(
        _readable(user, model).where(model.status == Status.SUBMITTED))]
    return sorted(items, key=lambda item: item.submitted_at or item.created_at or _EPOCH)


def _recent(user) -> list[ItemMixin]:
    items = [item for model in MODELS for item in db.session.scalars(
        _readable(user, model).order_by(model.updated_at.desc()).limit(RECENT))]
    return sorted(items, key=lambda item: item.updated_at, reverse=True)[:RECENT]


def _incomplete(user) -> list[ItemMixin]:
    cases = db.session.scalars(
        _readable(user, Case).where(Case.status != Status.ARCHIVED,
                                    ~Case.roles.any() | (Case.summary == ""))
        .order_by(Case.updated_at.desc()).limit(INCOMPLETE))
    reflections = db.session.scalars(
        _readable(user, Reflection).where(Reflection.status != Status.ARCHIVED,
                                          ~Reflection.roles_acted.any())
        .order_by(Reflection.updated_at.desc()).limit(INCOMPLETE))
    return [*cases, *reflections]


def _duplicates(user, cases: list[Case]) -> list[tuple[Case, str, str]]:
    """Look-alike pairs, leaving out archived cases (merged ones among them): they are
    dealt with already."""
    pairs = possible_duplicates(user, cases)
    archived = set(db.session.scalars(select(Case.slug).where(
        Case.slug.in_([slug for _case, slug, _title in pairs]),
        Case.status == Status.ARCHIVED)))
    return [pair for pair in pairs if pair[1] not in archived]


def _unfiled(user) -> tuple[list[UnfiledName], int]:
    """Organisation names that the vocabulary does not know, of cases the editor may
    curate (never private ones), most used first: to be filed as a name of an
    organisation of the vocabulary, or left as they are."""
    curated = reviewable_condition(user, Case)
    names = organisations.unfiled_names(curated)
    shown = names[:UNFILED_NAMES]
    cases = organisations.newest_unfiled([name for name, _count in shown], UNFILED_CASES, curated)
    return [UnfiledName(name, count, cases[name]) for name, count in shown], len(names)


def editors_desk(user) -> Desk:
    if not is_editor(user):
        raise PermissionError("the desk is for editors")
    newest = list(db.session.scalars(
        _readable(user, Case).where(Case.status != Status.ARCHIVED)
        .order_by(Case.created_at.desc()).limit(DUPLICATE_SCAN)))
    unfiled, unfiled_total = _unfiled(user)
    return Desk(_queue(user), _recent(user), _incomplete(user), _duplicates(user, newest),
                unfiled, unfiled_total)


def own_items(user) -> list[ItemMixin]:
    """Everything `user` wrote, whatever its status, last changed first."""
    if not signed_in(user):
        return []
    items = [item for model in MODELS for item in db.session.scalars(
        select(model).where(model.owner_id == user.id))]
    return sorted(items, key=lambda item: item.updated_at, reverse=True)
