"""The audit log is append-only: through the ORM and underneath it."""
from __future__ import annotations

import pytest
import sqlalchemy
from flask_migrate import upgrade
from sqlalchemy import delete, func, select, update

from app.extensions import db
from app.models import AuditEntry, AuditLogIsAppendOnly, User
from app.services.editorial import audit
from tests.support import close_app, make_app


def _entry() -> AuditEntry:
    entry = audit.record(None, "sign_in_failed", actor_email="iemand@example.nl")
    db.session.commit()
    return entry


def test_the_orm_refuses_to_change_or_delete_an_entry(ctx):
    entry = _entry()
    entry.detail = "verzonnen"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()


def _bulk_changes_fail() -> None:
    for statement in (update(AuditEntry).values(detail="verzonnen"), delete(AuditEntry)):
        with pytest.raises(sqlalchemy.exc.DatabaseError, match="append-only"):
            db.session.execute(statement)
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) >= 1


def test_the_database_refuses_bulk_changes_too(ctx):
    _entry()
    _bulk_changes_fail()


def test_deleting_an_account_keeps_its_entries(ctx, users):
    user = db.session.get(User, users["outsider"])
    audit.record(user, "password_changed", user)
    db.session.commit()
    db.session.delete(user)
    db.session.commit()
    kept = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "password_changed"))
    assert (kept.actor_id, kept.actor_email) == (None, "buiten@example.nl")


def test_the_migration_installs_the_same_guard(tmp_path):
    app = make_app(tmp_path)
    try:
        with app.app_context():
            upgrade()
            _entry()
            _bulk_changes_fail()
    finally:
        close_app(app)


def test_unknown_actions_are_a_programming_error(ctx):
    with pytest.raises(ValueError):
        audit.record(None, "deleted_everything")
