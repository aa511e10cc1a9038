"""The Alembic migrations build exactly the schema the models describe, from an empty
database and from every earlier revision, on SQLite and on PostgreSQL alike."""
from datetime import datetime, timezone

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import MetaData, Table, inspect, select

from app.extensions import db
from app.models import User
from tests.support import close_app, make_app


def _schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_upgrade_from_empty_matches_the_models(tmp_path):
    app = make_app(tmp_path)
    try:
        with app.app_context():
            upgrade()
            assert _schema_differences() == []
            with db.engine.connect() as connection:
                assert "alembic_version" in inspect(connection).get_table_names()
            upgrade()  # a second run is a no-op
    finally:
        close_app(app)


def _revisions(app) -> list[str]:
    """Every revision, oldest first."""
    with app.app_context():
        config = current_app.extensions["migrate"].migrate.get_config()
        scripts = ScriptDirectory.from_config(config)
        return [script.revision for script in reversed(list(scripts.walk_revisions()))]


def _add_account(connection, email: str) -> None:
    """An account written with the columns the schema has at this revision (reflected, so the
    test does not depend on the models of the newest one)."""
    users = Table("users", MetaData(), autoload_with=connection)
    values = {"email": email, "name": "Vroeg Lid", "password_hash": "x",
              "site_role": "participant", "active": True,
              "created_at": datetime(2026, 1, 5, tzinfo=timezone.utc), "session_version": 0}
    connection.execute(users.insert().values(
        **{name: value for name, value in values.items() if name in users.c}))


def test_every_revision_upgrades_to_the_newest_and_keeps_the_data(tmp_path):
    """What an existing installation does on `make run` after an update: from whatever
    revision it is at, with rows in it, to the newest, on SQLite and on PostgreSQL."""
    revisions = _revisions(probe := make_app(tmp_path / "probe"))
    close_app(probe)
    assert revisions[0] == "0001" and len(revisions) >= 5
    for number, start in enumerate(revisions[:-1]):
        app = make_app(tmp_path / str(number))
        try:
            with app.app_context():
                upgrade(revision=start)
                with db.engine.begin() as connection:
                    _add_account(connection, f"vroeg{number}@example.nl")
                upgrade()
                assert _schema_differences() == []
                emails = db.session.scalars(select(User.email)).all()
                assert emails == [f"vroeg{number}@example.nl"], start
        finally:
            close_app(app)
