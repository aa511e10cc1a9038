"""The fixed frame items hang on: roles, vocabularies, learning groups, and their counts."""
from __future__ import annotations

from sqlalchemy import func, select, union

from app.extensions import db
from app.models import (
    Case,
    LearningGroup,
    Reflection,
    Role,
    SubTheme,
    Term,
    TermKind,
)
from app.models.case import case_roles
from app.models.reflection import reflection_roles_acted, reflection_roles_asked
from app.services.permissions import visible_condition


def roles() -> list[Role]:
    return list(db.session.scalars(select(Role).order_by(Role.order)))


def roles_by_id() -> dict[str, Role]:
    return {role.id: role for role in roles()}


def role(role_id: str) -> Role | None:
    return db.session.get(Role, role_id)


def terms(kind: TermKind) -> list[Term]:
    """The live terms of a list, in their order (merged ones are tombstones)."""
    return list(db.session.scalars(
        select(Term).where(Term.kind == kind.value, Term.merged_into_id.is_(None))
        .order_by(Term.position)
    ))


def terms_by_slug(kind: TermKind) -> dict[str, Term]:
    """Slug -> live term; the slug of a merged term leads to the term it was merged into,
    so that a content file or a saved revision naming it still means something."""
    every = {term.id: term for term in db.session.scalars(
        select(Term).where(Term.kind == kind.value))}
    by_slug = {}
    for term in every.values():
        survivor = term
        for _step in range(len(every)):  # a chain of merges ends at a live term
            if survivor.merged_into_id is None or survivor.merged_into_id not in every:
                break
            survivor = every[survivor.merged_into_id]
        if survivor.merged_into_id is None:
            by_slug[term.slug] = survivor
    return by_slug


def groups() -> list[LearningGroup]:
    return list(db.session.scalars(select(LearningGroup).order_by(LearningGroup.name)))


def groups_by_slug() -> dict[str, LearningGroup]:
    return {group.slug: group for group in groups()}


def group(slug: str) -> LearningGroup | None:
    return db.session.scalar(select(LearningGroup).where(LearningGroup.slug == slug))


def subthemes_by_slug() -> dict[str, SubTheme]:
    return {theme.slug: theme for theme in db.session.scalars(select(SubTheme))}


def quadrant_axes() -> dict[str, Term]:
    """Axis slug ('boven', 'links', …) to its term (labels in Dutch and English)."""
    return {term.slug: term for term in terms(TermKind.QUADRANT_AXIS)}


def _count_by_role(user, model, item_column: str, link_tables) -> dict[str, int]:
    """Visible items per role; UNION makes an item count once per role."""
    pairs = union(*(
        select(link.c.role_id, link.c[item_column].label("item_id")) for link in link_tables
    )).subquery()
    rows = db.session.execute(
        select(pairs.c.role_id, func.count(pairs.c.item_id))
        .join(model, model.id == pairs.c.item_id)
        .where(visible_condition(user, model, listed=True))
        .group_by(pairs.c.role_id)
    )
    return dict(rows.all())


def role_counts(user) -> dict[str, dict[str, int]]:
    """{role id: {"cases": n, "reflections": m}} over what `user` may see."""
    cases = _count_by_role(user, Case, "case_id", [case_roles])
    reflections = _count_by_role(user, Reflection, "reflection_id",
                                 [reflection_roles_acted, reflection_roles_asked])
    return {
        role.id: {"cases": cases.get(role.id, 0), "reflections": reflections.get(role.id, 0)}
        for role in roles()
    }
