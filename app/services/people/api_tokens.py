"""Personal API tokens: made, recognised and revoked here, and nowhere else.

A token is 32 random bytes, so a fast hash (SHA-256) is enough to keep it at rest: there
is nothing to guess, unlike a password. The plain token is shown once, at creation.
"""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from app.extensions import db
from app.models import ApiToken, User, utcnow
from app.services.editorial import audit
from app.services.validation import Checker

TOKEN_PREFIX = "cb_"  # nosec B105  # a public prefix: recognisable in a leaked file or by a scanner
NAME_MAX_LENGTH = 100
# last_used_at is written at most this often per token: a busy script should not turn
# every read into a database write.
LAST_USED_RESOLUTION_SECONDS = 60


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`, and its plain text, which is not stored anywhere."""
    check = Checker()
    name = check.text("name", name, required=True, max_length=NAME_MAX_LENGTH)
    check.done()
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=_hash(plain),
                     prefix=plain[:len(TOKEN_PREFIX) + 6])
    db.session.add(token)
    audit.record(user, "token_created", user, detail=f"{token.prefix}… {name}")
    db.session.commit()
    return token, plain


def user_for_token(plain: str) -> User | None:
    """The active account an unrevoked token belongs to, or None. The comparison is a
    lookup by hash: equal hashes are the only way to match, so timing reveals nothing
    about the token."""
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(plain)))
    if token is None or not token.active or not token.user.active:
        return None
    now = utcnow()
    if (token.last_used_at is None
            or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS):
        token.last_used_at = now
        db.session.commit()
    return token.user


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, the ones still in use first, newest first."""
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(),
                  ApiToken.id.desc())))


def revoke_token(user: User, token_id: int) -> bool:
    """Revoke one of `user`'s own tokens; False when there is no such active token (a
    token of someone else looks the same as none)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or not token.active:
        return False
    token.revoked_at = utcnow()
    audit.record(user, "token_revoked", user, detail=f"{token.prefix}… {token.name}")
    db.session.commit()
    return True
