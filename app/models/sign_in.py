"""Signed-in sessions, one row per sign-in: what lets a sign-out end a session for good.

The session itself is a signed cookie. A signature cannot be taken back, so without a
row here a copy of the cookie would keep working after its owner signed out. The cookie
carries a random token; only its hash is kept, so a copy of the database (a backup, say)
cannot be turned into a session, not even by someone who also has SECRET_KEY.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class SignIn(Base):
    """One signed-in session of one account, from sign-in to sign-out (or until unused
    for longer than the session lifetime; see services/people/sessions.py)."""

    __tablename__ = "sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Moved forward at most every few minutes (sessions.TOUCH_EVERY), not at every request.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<SignIn {self.id} of user {self.user_id}>"
