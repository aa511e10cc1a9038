"""Local accounts: creating them and checking a password at sign-in."""
from __future__ import annotations

import re
from functools import cache

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models import SiteRole, User, utcnow
from app.services import catalog
from app.services.validation import Checker

MIN_PASSWORD_LENGTH = 10
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
                group_slugs: list[str] | None = None) -> User:
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
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this address and password, else None (no hint which was wrong)."""
    user = find_user(email)
    if user is None:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]),
                            password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def load_user(user_id: str) -> User | None:
    """For Flask-Login: the session stores the id; an unknown or bad id signs out."""
    return db.session.get(User, int(user_id)) if str(user_id).isdigit() else None
