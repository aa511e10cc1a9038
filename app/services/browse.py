"""What the role and learning-group pages show, within what the reader may see."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_

from app.extensions import db
from app.models import Case, LearningGroup, Reflection, Role
from app.services import catalog
from app.services.cases import visible_cases
from app.services.reflections import visible_reflections


@dataclass
class RoleOverview:
    role: Role
    cases: list[Case]
    reflections: list[Reflection]


@dataclass
class GroupOverview:
    group: LearningGroup
    cases_by_role: list[tuple[Role, list[Case]]]  # by each case's dominant (else first) role
    cases_by_subtheme: dict[int, list[Case]]
    reflections: list[Reflection]


def role_overview(user, role: Role) -> RoleOverview:
    cases = db.session.scalars(visible_cases(user).where(Case.roles.any(Role.id == role.id)))
    reflections = db.session.scalars(visible_reflections(user).where(or_(
        Reflection.roles_acted.any(Role.id == role.id),
        Reflection.roles_asked.any(Role.id == role.id),
    )))
    return RoleOverview(role, list(cases), list(reflections))


def _lead_role(case: Case) -> Role | None:
    return case.dominant_role or (case.roles[0] if case.roles else None)


def group_overview(user, group: LearningGroup) -> GroupOverview:
    cases = list(db.session.scalars(
        visible_cases(user).where(Case.groups.any(LearningGroup.id == group.id))))
    by_role = [(role, [case for case in cases if _lead_role(case) == role])
               for role in catalog.roles()]
    by_theme = {theme.id: [case for case in cases if theme in case.subthemes]
                for theme in group.subthemes}
    reflections = db.session.scalars(
        visible_reflections(user).where(Reflection.group_id == group.id)
    )
    return GroupOverview(group, [(r, c) for r, c in by_role if c], by_theme, list(reflections))
