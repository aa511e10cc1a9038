"""What the role and learning-group pages show, within what the reader may see."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Case, LearningGroup, Reflection, Role
from app.services import catalog
from app.services.contributing.cases import visible_cases
from app.services.contributing.reflections import visible_reflections


@dataclass
class RoleOverview:
    """The newest items with a role and how many there are in all: the page links to the
    full lists instead of printing thousands of cards (650 KiB at 5,000 cases)."""

    role: Role
    cases: list[Case]
    case_count: int
    reflections: list[Reflection]
    reflection_count: int


@dataclass
class RoleBalance:
    """How often each role plays in a group's cases, and which ones fall behind."""

    counts: dict[str, dict[str, int]]   # role id -> {"cases": n, "reflections": m}
    shares: dict[str, int]              # role id -> percentage of the cases with that role
    behind: list[Role]                  # roles in under half as many cases as the average


@dataclass
class GroupOverview:
    group: LearningGroup
    role: Role | None                   # the role the page is narrowed to, if any
    cases_by_role: list[tuple[Role, list[Case]]]  # by each case's dominant (else first) role
    cases_by_subtheme: dict[int, list[Case]]
    reflections: list[Reflection]
    balance: RoleBalance
    items: list[Case | Reflection]      # all the group's items the reader may see, newest first

    @property
    def activity(self) -> list[Case | Reflection]:
        return self.items[:ACTIVITY]


ACTIVITY = 8
ROLE_PAGE_ITEMS = 12  # newest cases and reflections on a role page
_LONG_AGO = datetime.min.replace(tzinfo=timezone.utc)


def role_overview(user, role: Role) -> RoleOverview:
    cases = _first_and_count(
        visible_cases(user).where(Case.roles.any(Role.id == role.id)),
        selectinload(Case.roles), selectinload(Case.dominant_role),
        selectinload(Case.policy_domain))
    reflections = _first_and_count(
        visible_reflections(user).where(or_(
            Reflection.roles_acted.any(Role.id == role.id),
            Reflection.roles_asked.any(Role.id == role.id))),
        selectinload(Reflection.roles_acted), selectinload(Reflection.roles_asked),
        selectinload(Reflection.context))
    return RoleOverview(role, *cases, *reflections)


def _first_and_count(statement, *loads) -> tuple[list, int]:
    """The newest ROLE_PAGE_ITEMS with what their cards show, and the count only when
    there are more."""
    first = list(db.session.scalars(statement.options(*loads).limit(ROLE_PAGE_ITEMS)))
    if len(first) < ROLE_PAGE_ITEMS:
        return first, len(first)
    return first, db.session.scalar(
        select(func.count()).select_from(statement.order_by(None).subquery()))


def _lead_role(case: Case) -> Role | None:
    return case.dominant_role or (case.roles[0] if case.roles else None)


def _group_cases(user, group: LearningGroup) -> list[Case]:
    """With what the page shows of each case loaded in one query per relation."""
    return list(db.session.scalars(
        visible_cases(user).where(Case.groups.any(LearningGroup.id == group.id))
        .options(selectinload(Case.roles), selectinload(Case.dominant_role),
                 selectinload(Case.subthemes), selectinload(Case.policy_domain))))


def _group_reflections(user, group: LearningGroup) -> list[Reflection]:
    return list(db.session.scalars(
        visible_reflections(user).where(Reflection.group_id == group.id)
        .options(selectinload(Reflection.roles_acted), selectinload(Reflection.roles_asked))))


def _newest(item: Case | Reflection) -> tuple:
    return (item.published_at or _LONG_AGO, item.search_kind, item.id)


def role_balance(roles: list[Role], cases: list[Case],
                 reflections: list[Reflection]) -> RoleBalance:
    """Every role of a case counts (not only its dominant one): the question is which
    roles the group's cases hardly touch."""
    counts = {role.id: {"cases": sum(role in case.roles for case in cases),
                        "reflections": sum(role in r.roles for r in reflections)}
              for role in roles}
    shares = {role_id: round(100 * count["cases"] / len(cases)) if cases else 0
              for role_id, count in counts.items()}
    average = sum(count["cases"] for count in counts.values()) / len(roles) if roles else 0
    behind = [role for role in roles if average and counts[role.id]["cases"] < average / 2]
    return RoleBalance(counts, shares, behind)


def group_overview(user, group: LearningGroup, role: Role | None = None) -> GroupOverview:
    roles = catalog.roles()
    all_cases, all_reflections = _group_cases(user, group), _group_reflections(user, group)
    balance = role_balance(roles, all_cases, all_reflections)
    cases = [case for case in all_cases if role is None or role in case.roles]
    reflections = [r for r in all_reflections if role is None or role in r.roles]
    by_role = [(each, [case for case in cases if _lead_role(case) == each]) for each in roles]
    by_theme = {theme.id: [case for case in cases if theme in case.subthemes]
                for theme in group.subthemes}
    items = sorted([*all_cases, *all_reflections], key=_newest, reverse=True)
    return GroupOverview(group, role, [(r, c) for r, c in by_role if c], by_theme,
                         reflections, balance, items)
