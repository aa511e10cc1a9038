"""Managing accounts once they exist: name, site role, active or not, learning groups.

The command line (`flask user …`) and the admin pages (/beheer) both come here, so both
keep the same rules: every change is written to the audit log in the same transaction
as the change, and the site never loses its last active admin (nobody could then manage
accounts or read the log without shell access).
"""
from __future__ import annotations

from sqlalchemy import func, or_, select

from app.extensions import db
from app.models import SiteRole, User
from app.services import catalog
from app.services.editorial import audit
from app.services.people import sessions
from app.services.validation import Checker

PAGE_SIZE = 50
ROLES = {role.value: role.value for role in SiteRole}


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def list_users(role: str = "", search: str = "", page: int | None = None):
    """Accounts by name, narrowed to a site role and to a part of the name or address.

    Without `page`, every match as a list (for the command line); else one page.
    """
    statement = select(User).order_by(func.lower(User.name), User.id)
    if role:
        statement = statement.where(User.site_role == role)
    if search.strip():
        # autoescape: a % or _ typed in the search box is a character, not a wildcard.
        term = search.strip().lower()
        statement = statement.where(or_(func.lower(User.name).contains(term, autoescape=True),
                                        func.lower(User.email).contains(term, autoescape=True)))
    if page is None:
        return list(db.session.scalars(statement))
    return db.paginate(statement, page=page, per_page=PAGE_SIZE, error_out=False)


def _other_active_admins(user: User) -> int:
    """Locks the admins' rows where the database can (PostgreSQL), so that two admins
    demoting each other at the same moment cannot both succeed."""
    statement = (select(User.id)
                 .where(User.site_role == SiteRole.ADMIN, User.active, User.id != user.id)
                 .with_for_update())
    return len(db.session.scalars(statement).all())


def _keep_an_admin(check: Checker, user: User, role: str | None, active: bool) -> None:
    was_admin = user.site_role == SiteRole.ADMIN and user.active
    stays_admin = role == SiteRole.ADMIN and active
    if was_admin and not stays_admin and not _other_active_admins(user):
        check.fail("site_role" if role != SiteRole.ADMIN else "active", "last_admin")


def update(actor, user: User, *, name: str | None = None, site_role: str | None = None,
           active: bool | None = None, group_slugs: list[str] | None = None,
           actor_email: str = "") -> list[str]:
    """Apply the given changes (None: leave as it is) all or nothing, each with its own
    audit entry. Returns the audit actions written; empty when nothing changed."""
    check = Checker()
    new_name = user.name if name is None else check.text("name", name, required=True,
                                                         max_length=200)
    role = user.site_role if site_role is None else check.choice(
        "site_role", site_role, ROLES, required=True)
    new_active = user.active if active is None else bool(active)
    groups = user.groups if group_slugs is None else check.choices(
        "groups", group_slugs, catalog.groups_by_slug())
    _keep_an_admin(check, user, role, new_active)
    check.done()

    def log(action: str, before: str, after: str) -> str:
        audit.record(actor, action, user, f"{before} → {after}", actor_email=actor_email)
        return action

    done = []
    if new_name != user.name:
        done.append(log("user_changed", user.name, new_name))
        user.name = new_name
    if role != user.site_role:
        done.append(log("role_changed", user.site_role, role))
        user.site_role = role
    if new_active != user.active:
        action = "user_activated" if new_active else "user_deactivated"
        done.append(log(action, _state(user.active), _state(new_active)))
        user.active = new_active
        if not new_active:  # for good: activating it again brings no session back
            sessions.forget_all(user)
    if {g.id for g in groups} != user.group_ids:
        done.append(log("membership_changed", _slugs(user.groups), _slugs(groups)))
        user.groups = list(groups)
    db.session.commit()
    return done


def _state(active: bool) -> str:
    return "active" if active else "inactive"


def _slugs(groups) -> str:
    return ", ".join(sorted(group.slug for group in groups)) or "-"


def set_role(actor, user: User, site_role: str, *, actor_email: str = "") -> list[str]:
    return update(actor, user, site_role=site_role, actor_email=actor_email)


def deactivate(actor, user: User, *, actor_email: str = "") -> list[str]:
    """The account stays, with its cases and its place in the log; it can no longer
    sign in, and a session it already has stops counting as signed in."""
    return update(actor, user, active=False, actor_email=actor_email)


def activate(actor, user: User, *, actor_email: str = "") -> list[str]:
    return update(actor, user, active=True, actor_email=actor_email)


def set_groups(actor, user: User, group_slugs: list[str], *,
               actor_email: str = "") -> list[str]:
    return update(actor, user, group_slugs=group_slugs, actor_email=actor_email)
