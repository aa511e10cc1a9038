"""Reflection patterns: from which roles participants acted, which roles their situations
asked for, and where they switched — counted over the reflections the reader may see."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.models import Reflection, Role
from app.models.reflection import reflection_roles_acted, reflection_roles_asked
from app.services import catalog
from app.services.permissions import visible_condition

TOP_SWITCHES = 5


@dataclass
class Patterns:
    roles: list[Role]
    total: int                               # reflections counted
    acted: dict[str, int]                    # role id -> reflections acting from it
    asked: dict[str, int]                    # role id -> reflections whose situation asked it
    switches: dict[tuple[str, str], int]     # (from, to) -> reflections with that switch
    top: list[tuple[Role, Role, int]]        # the most frequent switches, most first

    def gap(self, role_id: str) -> int:
        """Asked for more often than acted from (positive), or the other way round."""
        return self.asked[role_id] - self.acted[role_id]


def _by_role(user, link) -> dict[str, int]:
    rows = db.session.execute(
        select(link.c.role_id, func.count())
        .join(Reflection, Reflection.id == link.c.reflection_id)
        .where(visible_condition(user, Reflection, listed=True))
        .group_by(link.c.role_id))
    return dict(rows.all())


def reflection_patterns(user) -> Patterns:
    roles = catalog.roles()
    acted, asked = _by_role(user, reflection_roles_acted), _by_role(user, reflection_roles_asked)
    rows = db.session.execute(
        select(Reflection.switch_from_id, Reflection.switch_to_id, func.count())
        .where(visible_condition(user, Reflection, listed=True),
               Reflection.switch_from_id.is_not(None), Reflection.switch_to_id.is_not(None))
        .group_by(Reflection.switch_from_id, Reflection.switch_to_id))
    switches = {(start, end): count for start, end, count in rows}
    by_id = {role.id: role for role in roles}
    top = sorted(((by_id[start], by_id[end], count) for (start, end), count in switches.items()
                  if start in by_id and end in by_id),
                 key=lambda row: (-row[2], row[0].order, row[1].order))[:TOP_SWITCHES]
    total = db.session.scalar(select(func.count()).select_from(Reflection).where(
        visible_condition(user, Reflection, listed=True))) or 0
    return Patterns(roles, total, {role.id: acted.get(role.id, 0) for role in roles},
                    {role.id: asked.get(role.id, 0) for role in roles}, switches, top)
