"""Signed-in sessions on the server: one SignIn row per sign-in, which the session
cookie names by a random token.

The cookie is signed, and a signature cannot be taken back: before these rows, a copy of
the cookie (from a shared computer, a proxy log, a stolen backup of a browser profile)
kept working after its owner signed out. Now a session is alive only while its row is:

- signing out deletes that one row, and no other: signing out on a shared computer must
  end that session, not also the one on the owner's phone;
- changing the password deletes every other row of the account (whoever else may know
  the old password is signed out; the device it was changed on stays signed in);
- deactivating an account deletes all of its rows (so activating it again does not
  bring old sessions back);
- a row unused for longer than the session lifetime (SESSION_LIFETIME_HOURS, plus the
  TOUCH_EVERY margin below) is deleted: the cookie has expired by then anyway, and the
  rows are personal data (when someone used the site) kept no longer than they serve.

This replaced User.session_version, one number per account that ended every session at
once and so could not end just one.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import OperationalError

from app.database import waiting_briefly
from app.extensions import db
from app.models import SignIn, User, utcnow

TOKEN_BYTES = 32
# How often a session's last use is written down. Writing it at every request would make
# every page view a database write; at most once per 10 minutes per session costs little,
# and only makes a session's row live up to 10 minutes longer than the session.
TOUCH_EVERY = timedelta(minutes=10)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _expiry(now: datetime) -> datetime:
    """Rows last used before this belong to sessions whose cookie has expired."""
    return now - current_app.permanent_session_lifetime - TOUCH_EVERY


def _prune(now: datetime) -> None:
    db.session.execute(delete(SignIn).where(SignIn.last_seen_at < _expiry(now)))


def start(user: User, *, replacing: str | None = None) -> str:
    """A new session for `user`; returns the token for the cookie (kept only hashed).
    Ends the session it replaces in this browser (`replacing`, a token) and clears out
    the rows of sessions that expired, anyone's."""
    now = utcnow()
    forget(replacing)
    _prune(now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    db.session.add(SignIn(user_id=user.id, token_hash=_digest(token), created_at=now,
                          last_seen_at=now))
    db.session.commit()
    return token


def forget(token: str | None) -> None:
    """End the session of this token (sign-out): only this one, so that signing out of
    a shared computer leaves the owner's phone signed in. The caller commits."""
    if token:
        db.session.execute(delete(SignIn).where(SignIn.token_hash == _digest(token)))


def forget_others(user: User, keep: str | None) -> None:
    """End every session of `user` but the one of `keep`. The caller commits."""
    statement = delete(SignIn).where(SignIn.user_id == user.id)
    if keep:
        statement = statement.where(SignIn.token_hash != _digest(keep))
    db.session.execute(statement)


def forget_all(user: User) -> None:
    """End every session of `user` (a deactivated account): activating it again must
    bring no old session back. The caller commits."""
    forget_others(user, None)


def _touch(sign_in_id: int, now: datetime) -> None:
    """Note that the session is in use; on its own, right away. Called before the view
    runs (web/auth.py loads the user first), so nothing of the view is committed with
    it. Only a convenience: when another writer holds the database, the page does not
    wait for it (waiting_briefly) and the session simply goes on. A statement rather
    than a change to the loaded row: the row may be deleted meanwhile (a sign-out
    elsewhere, a prune), which is no error here."""
    try:
        with waiting_briefly():
            db.session.execute(update(SignIn).where(SignIn.id == sign_in_id)
                               .values(last_seen_at=now)
                               .execution_options(synchronize_session=False))
            _prune(now)
            db.session.commit()
    except OperationalError:
        db.session.rollback()


def session_user(user_key: str, token: str | None) -> User | None:
    """For Flask-Login's user loader: the account the session cookie names, while the
    session is alive on the server and the account is active; else None (signed out)."""
    if not (isinstance(token, str) and str(user_key).isdigit()):
        return None
    # The session and its account in one query: this runs on every signed-in request.
    found = db.session.execute(select(SignIn, User).join(User, User.id == SignIn.user_id)
                               .where(SignIn.token_hash == _digest(token))).first()
    now = utcnow()
    if found is None:
        return None
    sign_in, user = found
    if (str(user.id) != str(user_key) or sign_in.last_seen_at < _expiry(now)
            or not user.active):
        return None
    if sign_in.last_seen_at < now - TOUCH_EVERY:
        _touch(sign_in.id, now)
    return user
