"""Writing and reading the audit log.

`record` only adds the entry to the session: it commits together with the change it
describes, so the log never claims something that was rolled back (failed sign-ins,
which change nothing else, are committed by their caller).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Case, Reflection, User
from app.services.permissions import authenticated, is_private

# Every action the log knows, in the order the filter on /beheer/logboek offers them.
ACTIONS = (
    "sign_in", "sign_in_failed", "sign_out", "password_changed", "token_created",
    "token_revoked",
    "user_created", "user_changed", "role_changed", "user_deactivated", "user_activated",
    "membership_changed",
    "submitted", "published", "sent_back", "archived", "restored",
    "merged", "featured", "unfeatured", "term_renamed", "term_merged",
    "organisation_filed",
)
PAGE_SIZE = 50
PRIVATE_LABEL = "(privé)"


def describe_target(target) -> tuple[str, str]:
    """("case:12", "HSL-Zuid …") for an object the log can point at."""
    if isinstance(target, Case | Reflection):
        # Admins read the log, and a private item is for its author alone: not its
        # title, nor even which item it is.
        if is_private(target.visibility):
            return "", PRIVATE_LABEL
        return target.search_key, target.title
    if isinstance(target, User):
        return f"user:{target.id}", target.email
    kind = type(target).__name__.lower()
    return f"{kind}:{target.id}", getattr(target, "label", None) or getattr(target, "name", "")


def record(actor, action: str, target=None, detail: str = "", *,
           actor_email: str = "") -> AuditEntry:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    account = authenticated(actor)
    key, label = describe_target(target) if target is not None else ("", "")
    entry = AuditEntry(
        actor_id=actor.id if account else None,
        actor_email=actor.email if account else actor_email,
        action=action, target=key, target_label=label[:300], detail=detail,
    )
    db.session.add(entry)
    return entry


@dataclass
class AuditFilter:
    """What /beheer/logboek narrows to; empty values mean no limit."""

    action: str = ""
    actor: str = ""       # part of an e-mail address
    target: str = ""      # "case:12", or a kind such as "case"
    since: date | None = None
    until: date | None = None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def entries(chosen: AuditFilter, page: int = 1):
    """Newest first, one page."""
    statement = select(AuditEntry).order_by(AuditEntry.id.desc())
    if chosen.action:
        statement = statement.where(AuditEntry.action == chosen.action)
    if chosen.actor:
        statement = statement.where(
            AuditEntry.actor_email.contains(chosen.actor.lower(), autoescape=True))
    if chosen.target:
        exact = ":" in chosen.target
        statement = statement.where(AuditEntry.target == chosen.target if exact
                                    else AuditEntry.target.startswith(f"{chosen.target}:",
                                                                     autoescape=True))
    if chosen.since:
        statement = statement.where(AuditEntry.created_at >= _day_start(chosen.since))
    if chosen.until:
        statement = statement.where(
            AuditEntry.created_at < _day_start(chosen.until + timedelta(days=1)))
    return db.paginate(statement, page=page, per_page=PAGE_SIZE, error_out=False)
