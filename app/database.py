"""Binds SQLAlchemy and Alembic to the app and sets the database up for several processes:
SQLite's pragmas and busy timeout, PostgreSQL's lock timeout."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError

from app.extensions import db, migrate

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# How long a write waits for another writer's lock before it fails (and the user gets a
# 503 asking to try again). Config DATABASE_BUSY_TIMEOUT_MS overrides it.
BUSY_TIMEOUT_MS = 15_000
# How the drivers word "gave up waiting for a lock" (SQLite's busy timeout; PostgreSQL's
# lock_timeout, should one be set).
LOCK_TIMEOUT_MESSAGES = ("database is locked", "database table is locked", "lock timeout")


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """Foreign keys on; WAL so readers never wait for the writer."""
    if _is_sqlite(dbapi_connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        if cursor.execute("PRAGMA database_list").fetchone()[2]:  # a file, not :memory:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()


def _busy_timeout(milliseconds: int):
    """Writers wait this long for the write lock instead of failing at once."""
    def set_timeout(dbapi_connection, connection_record) -> None:
        if _is_sqlite(dbapi_connection):
            dbapi_connection.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")
    return set_timeout


def is_lock_timeout(error: OperationalError) -> bool:
    """True when a statement failed because another writer held the lock too long."""
    return any(message in str(error.orig).lower() for message in LOCK_TIMEOUT_MESSAGES)


@contextmanager
def waiting_briefly(milliseconds: int = 200):
    """Within the block, a write gives up after `milliseconds` instead of the busy
    timeout: for writes that are a convenience (noting when a session was last used),
    which must not keep a reader waiting behind another writer. Use it around a whole
    transaction; the caller commits or rolls back inside."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":   # undone by the commit or rollback
        connection.execute(text(f"SET LOCAL lock_timeout = {int(milliseconds)}"))
        yield
        return
    raw = connection.connection.driver_connection
    before = raw.execute("PRAGMA busy_timeout").fetchone()[0]
    raw.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA busy_timeout = {int(before)}")


def discard_failed_transaction() -> None:
    """Roll back after a failed statement, so that an error page can still read."""
    db.session.rollback()


def refresh_planner_statistics() -> None:
    """ANALYZE: without statistics SQLite takes the status index for the newest cases
    and the featured ones (nearly every case is published, so it narrows nothing) and
    sorts all of them: 90 ms instead of 2 ms at 50,000 cases. PostgreSQL takes the same
    statement. `flask content import` runs it, and so every `make run`."""
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def _ensure_sqlite_folder(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def _postgresql_lock_timeout(app: Flask) -> None:
    """PostgreSQL's readers never wait for writers, but a write waits for a row or table
    lock as long as it is held; lock_timeout makes it give up as SQLite's busy timeout does
    (a 503 that keeps the text). Passed as a connection option: a SET would be undone by
    the rollback that returns each connection to the pool."""
    if make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() != "postgresql":
        return
    milliseconds = int(app.config.get("DATABASE_BUSY_TIMEOUT_MS", BUSY_TIMEOUT_MS))
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    arguments = options.setdefault("connect_args", {})
    arguments["options"] = f"{arguments.get('options', '')} -c lock_timeout={milliseconds}"


def register_database(app: Flask) -> None:
    _ensure_sqlite_folder(app.config["SQLALCHEMY_DATABASE_URI"])
    _postgresql_lock_timeout(app)
    db.init_app(app)
    with app.app_context():  # Flask-SQLAlchemy made the engine in init_app; no connection yet
        event.listen(db.engine, "connect", _busy_timeout(
            app.config.get("DATABASE_BUSY_TIMEOUT_MS", BUSY_TIMEOUT_MS)))
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
