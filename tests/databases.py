"""Where each test's database lives.

By default a SQLite file in the test's own temporary folder. When
CASUSBANK_TEST_DATABASE_URL names a PostgreSQL server (`.ci/run` starts one on loopback
and runs the suite a second time with it), every app a test makes gets a database of its
own on that server (empty, or a copy of a template database), dropped when the app is
closed, so tests stay as isolated from each other as they are with SQLite files. The
names carry the process id, so pytest-xdist's processes never pick the same one.
"""
from __future__ import annotations

import itertools
import os
import secrets
import sqlite3
import time
from contextlib import closing
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import NullPool

SERVER_URL = os.environ.get("CASUSBANK_TEST_DATABASE_URL", "")
PREFIX = "casusbank_test_"
DROP_ATTEMPTS = 50
_numbers = itertools.count()
# Beside the process id: a run killed before it dropped its databases leaves them on the
# server, and in a container the next run's processes get the same ids.
_RUN = secrets.token_hex(3)
_created: set[str] = set()


def on_postgresql() -> bool:
    if not SERVER_URL:
        return False
    try:
        return make_url(SERVER_URL).get_backend_name() == "postgresql"
    except ArgumentError:
        raise ValueError(
            f"CASUSBANK_TEST_DATABASE_URL is not a database URL: {SERVER_URL!r}"
        ) from None


def _server():
    """A connection outside any transaction: CREATE and DROP DATABASE refuse to run in one."""
    return create_engine(SERVER_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool).connect()


def _create(connection, name: str, template: str = "") -> None:
    """CREATE DATABASE `name`, as a copy of `template` when one is named."""
    copying = f' TEMPLATE "{template}"' if template else ""
    connection.execute(text(f'CREATE DATABASE "{name}"{copying}'))


def _create_on_server(template: str = "") -> str:
    """A new database on the server (a copy of `template` when one is named); its URL."""
    name = f"{PREFIX}{os.getpid()}_{_RUN}_{next(_numbers)}"
    with _server() as connection:
        _create(connection, name, template)
    _created.add(name)
    return make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)


def new_database_url(folder: Path) -> str:
    """An empty database for one app: a file in `folder`, or a new database on the server."""
    if not on_postgresql():
        return f"sqlite:///{folder / 'casusbank.sqlite'}"
    return _create_on_server()


def copy_of(source: str, folder: Path) -> str:
    """A new database for one app holding what `source` holds (nothing may be connected
    to it): a file in `folder`, or a database on the server with `source` as template,
    which PostgreSQL copies block by block instead of replaying the inserts."""
    if not on_postgresql():
        target = new_database_url(folder)
        if Path(make_url(target).database).exists():   # another app's: never overwrite it
            raise FileExistsError(f"{folder} already holds an app's database")
        copy_database(source, target)
        return target
    return _create_on_server(template=make_url(source).database)


def drop_database(url: str) -> None:
    """Drop a database that new_database_url or copy_of made, with whatever still holds a
    connection to it (a gunicorn a test started, a pool not yet disposed)."""
    name = make_url(url).database
    if name not in _created:
        return
    for attempt in range(DROP_ATTEMPTS):
        try:
            with _server() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            break
        except DBAPIError:
            # FORCE may not end an autovacuum worker (it runs as the superuser, which
            # the tests' role may not signal); it is done with a new database in moments.
            if attempt == DROP_ATTEMPTS - 1:
                raise
            time.sleep(0.1)
    _created.discard(name)


def drop_leftovers() -> None:
    """At the end of the run: the databases of apps that a test did not close."""
    for name in list(_created):
        drop_database(make_url(SERVER_URL).set(database=name).render_as_string())


def sibling_url(url: str, suffix: str) -> str:
    """The address of a second database beside `url` (dropped with the others at the end)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(database=f"{parsed.database}.{suffix}").render_as_string()
    _created.add(f"{parsed.database}_{suffix}")
    return parsed.set(database=f"{parsed.database}_{suffix}").render_as_string(
        hide_password=False)


def copy_database(source: str, target: str) -> None:
    """Make `target` an exact copy of `source`. Nothing may hold a connection to `source`
    meanwhile (PostgreSQL copies through a template, which must be idle): dispose first."""
    if make_url(source).get_backend_name() == "sqlite":
        with closing(sqlite3.connect(make_url(source).database)) as origin, \
                closing(sqlite3.connect(make_url(target).database)) as destination:
            origin.backup(destination)
        return
    name = make_url(target).database
    with _server() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        _create(connection, name, template=make_url(source).database)
