"""The audit log: who did what that matters for trust, kept append-only."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, ForeignKey, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    """One event. The actor's address is copied in, so the entry still says who it was
    after the account is renamed or removed."""

    __tablename__ = "audit_log"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(40), index=True)
    # What it was done to: "case:12", "reflection:4", "user:3", "term:7", or empty.
    target: Mapped[str] = mapped_column(String(60), default="")
    target_label: Mapped[str] = mapped_column(String(300), default="")
    detail: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<AuditEntry {self.action} {self.target}>"


class AuditLogIsAppendOnly(Exception):
    pass


def _refuse(mapper, connection, entry) -> None:
    raise AuditLogIsAppendOnly("audit entries are never changed or deleted")


event.listen(AuditEntry, "before_update", _refuse)
event.listen(AuditEntry, "before_delete", _refuse)

# The same promise in the database, for what bypasses the ORM (a bulk UPDATE or DELETE).
# Only `actor_id` may change: the foreign key sets it to NULL when an account is deleted.
# Migration 0003 creates the same triggers; this is for `create_all` (tests, new files).
_KEPT = "id, created_at, actor_email, action, target, target_label, detail"
SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END",
    f"CREATE TRIGGER audit_log_no_update BEFORE UPDATE OF {_KEPT} ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END",
)
POSTGRESQL_TRIGGERS = (
    "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN IF TG_OP = 'DELETE' OR (NEW.id, NEW.created_at, NEW.actor_email, NEW.action, "
    "NEW.target, NEW.target_label, NEW.detail) IS DISTINCT FROM (OLD.id, OLD.created_at, "
    "OLD.actor_email, OLD.action, OLD.target, OLD.target_label, OLD.detail) THEN "
    "RAISE EXCEPTION 'audit entries are append-only'; END IF; RETURN NEW; END $$",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
)
for _statement in SQLITE_TRIGGERS:
    event.listen(AuditEntry.__table__, "after_create",
                 DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRESQL_TRIGGERS:
    event.listen(AuditEntry.__table__, "after_create",
                 DDL(_statement).execute_if(dialect="postgresql"))
