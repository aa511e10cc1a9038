"""Local accounts: creating them, signing in and out, and changing one's own password.

Every sign-in, failed or not, is written to the audit log. A failed one changes nothing
else, so it is committed on its own: the log must keep it even though the request fails.
"""
from __future__ import annotations

import re
from functools import cache

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models import SiteRole, User, utcnow
from app.services import catalog
from app.services.editorial import audit
from app.services.people import sessions
from app.services.validation import Checker

MIN_PASSWORD_LENGTH = 10
MAX_EMAIL_LENGTH = 254  # RFC 5321; also the width of the columns that hold one
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _hash(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@cache
def _dummy_hash(method: str) -> str:
    """Checked when the address is unknown, so that a wrong address takes as long as a
    wrong password and does not reveal which addresses have an account."""
    return generate_password_hash("not-a-real-password", method=method)


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def create_user(email: str, name: str, password: str, site_role: str = SiteRole.PARTICIPANT,
                group_slugs: list[str] | None = None, *, actor=None,
                actor_email: str = "") -> User:
    """`actor` is the admin creating it (None for the command line, named by `actor_email`)."""
    check = Checker()
    email = normalise_email(email)
    if not _EMAIL.fullmatch(email):
        check.fail("email", "invalid_email")
    elif find_user(email) is not None:
        check.fail("email", "taken")
    name = check.text("name", name, required=True, max_length=200)
    if len(password or "") < MIN_PASSWORD_LENGTH:
        check.fail("password", "too_short", min=MIN_PASSWORD_LENGTH)
    site_role = check.choice("site_role", site_role, {r.value: r.value for r in SiteRole},
                             required=True)
    groups = check.choices("groups", group_slugs or [], catalog.groups_by_slug())
    check.done()
    user = User(email=email, name=name, password_hash=_hash(password),
                site_role=site_role, groups=groups)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user_created", user, describe_access(site_role, groups),
                 actor_email=actor_email)
    db.session.commit()
    return user


def describe_access(site_role: str, groups) -> str:
    """Role and groups as the audit log shows them: codes, not words, so they stay true."""
    return f"{site_role}; {', '.join(group.slug for group in groups) or '-'}"


def authenticate(email: str, password: str) -> User | None:
    """The active user with this address and password, else None (no hint which was wrong)."""
    user = find_user(email)
    if user is None:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]),
                            password or "")
    elif check_password_hash(user.password_hash, password or "") and user.active:
        user.last_login_at = utcnow()
        audit.record(user, "sign_in", user)
        db.session.commit()
        return user
    # The address as typed, so that attempts on unknown addresses show up too.
    audit.record(None, "sign_in_failed", user,
                 actor_email=normalise_email(email)[:MAX_EMAIL_LENGTH])
    db.session.commit()
    return None


def sign_out(user: User, token: str | None) -> None:
    """Ends this session on the server too (see services/people/sessions.py), and logs it."""
    sessions.forget(token)
    audit.record(user, "sign_out", user)
    db.session.commit()


def change_password(user: User, current: str, new: str, repeat: str, *,
                    keep_session: str | None = None) -> None:
    """Asks for the current password too, so that an unattended session cannot lock the
    owner out of their own account. Every session of the account but `keep_session`
    (the token of the one it was changed in) ends: perhaps someone else's."""
    check = Checker()
    if not check_password_hash(user.password_hash, current or ""):
        check.fail("current_password", "wrong_password")
    if len(new or "") < MIN_PASSWORD_LENGTH:
        check.fail("new_password", "too_short", min=MIN_PASSWORD_LENGTH)
    elif new != repeat:
        check.fail("new_password_repeat", "mismatch")
    check.done()
    user.password_hash = _hash(new)
    sessions.forget_others(user, keep_session)
    audit.record(user, "password_changed", user)
    db.session.commit()
