"""A throw-away Casusbank in a temporary folder, for benchmarks and the harness.

Its database is a SQLite file in that folder, or, given the URL of a PostgreSQL server
whose role may CREATE DATABASE, a fresh database on that server, dropped afterwards.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app import create_app
from app.config import PROJECT_DIR
from app.extensions import db
from app.indexer import worker as index_worker
from app.indexer.handle import search_index
from app.services.exchange.content_import import import_content


def _on_server(server_url: str):
    """A connection outside any transaction: CREATE and DROP DATABASE refuse to run in one."""
    return create_engine(server_url, isolation_level="AUTOCOMMIT",
                         poolclass=NullPool).connect()


@contextmanager
def server_database(server_url: str) -> Iterator[str]:
    """The URL of a new, empty database on the server of `server_url` (a PostgreSQL URL;
    its database is only where we connect to create and drop), dropped on the way out
    however that is left — an exception, Ctrl-C — with whatever still holds a connection
    to it (WITH (FORCE): a gunicorn worker that outlived its master, an undisposed pool)."""
    if make_url(server_url).get_backend_name() != "postgresql":
        raise ValueError(f"not a PostgreSQL URL: {make_url(server_url)!r}")
    name = f"casusbank_bench_{os.getpid()}"
    with _on_server(server_url) as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with _on_server(server_url) as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def _database(folder: str, server_url: str | None) -> Iterator[str]:
    if server_url is None:
        yield f"sqlite:///{folder}/bench.sqlite"
    else:
        with server_database(server_url) as url:
            yield url


@contextmanager
def temporary_casusbank(content: Path = PROJECT_DIR / "content",
                        database_server: str | None = None) -> Iterator[tuple[Flask, Path]]:
    """An app with its own database and index, `content` imported and indexed; the app
    context is pushed for the duration. The database is a SQLite file in the folder, or
    with `database_server` a new database on that PostgreSQL server (see server_database);
    app.config["SQLALCHEMY_DATABASE_URI"] says which, for processes that must share it."""
    with tempfile.TemporaryDirectory(prefix="casusbank-bench-") as folder, \
            _database(folder, database_server) as database_url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url,
                          "SEARCH_INDEX_DIR": f"{folder}/index", "SECRET_KEY": "bench",
                          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        with app.app_context():
            try:
                db.create_all()
                import_content(content)
                index_worker.sync(search_index())
                yield app, Path(folder)
            finally:
                app.extensions["casusbank.searchers"].close()
                db.session.remove()
                db.engine.dispose()
