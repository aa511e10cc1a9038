"""Shared fixtures: an isolated app per test (own database, own index folder) with the
fixture content imported and indexed, accounts, and signed-in clients; and the pytest hooks.
The helpers test modules import are in tests/support.py: nothing imports this file."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.extensions import db
from app.indexer import worker as index_worker
from app.indexer.handle import search_index
from app.services.exchange.content_import import import_content
from app.services.people.accounts import create_user
from tests import databases
from tests.support import (
    CHROMIUM,
    FIXTURE_CONTENT,
    PASSWORD,
    Browser,
    Library,
    app_from,
    close_app,
    make_app,
    release_app,
    serving_live,
    signed_in,
)


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium, headless, for the browser test modules (which skip, or fail on
    CI, before this is reached when it is missing)."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def live_server(instance):
    """The module's `instance` (its app and the addresses its tests visit) served on
    loopback for the browser: one server for all the module's tests, as they share that
    app. test_browser.py overrides it to serve each test's own app beside the indexer."""
    app, _addresses = instance
    with serving_live(app) as address:
        yield address


def pytest_sessionfinish(session, exitstatus) -> None:
    databases.drop_leftovers()


def pytest_collection_modifyitems(config, items) -> None:
    _name_each_schemathesis_test(items)
    _skip_sqlite_only_on_postgresql(items)


def _name_each_schemathesis_test(items) -> None:
    """schemathesis (4.x, under pytest 9) gives the test of every API operation one and
    the same node id; pytest-xdist, which hands out tests by node id, would then run only
    one of them. The operation goes back into the id, as its name already has it (pytest
    9 keeps the id as a structured value: the item's own name plus its parameters)."""
    for item in items:
        if item.__class__.__name__ == "SchemathesisFunction" and "[" not in item.nodeid:
            operation = item.name.partition("[")[2].removesuffix("]")
            item._id = item.parent.id.child(item.originalname).with_params(operation)


def _skip_sqlite_only_on_postgresql(items) -> None:
    """On PostgreSQL, tests of what only SQLite has (`flask backup` copies its file) are
    skipped with the reason; the rest of the suite runs unchanged."""
    if not databases.on_postgresql():
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker:
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {marker.args[0]}"))


@pytest.fixture(scope="session")
def empty_library(tmp_path_factory):
    """The schema and nothing else, made once per run (per xdist worker)."""
    app = make_app(tmp_path_factory.mktemp("empty-library"))
    with app.app_context():
        db.create_all()
    release_app(app)
    yield Library(app.config["SQLALCHEMY_DATABASE_URI"], None)
    databases.drop_database(app.config["SQLALCHEMY_DATABASE_URI"])


@pytest.fixture(scope="session")
def fixture_library(tmp_path_factory, empty_library):
    """The fixture content imported and indexed once per run (per xdist worker). Doing
    that for every test took most of the suite's time."""
    app = app_from(empty_library, tmp_path_factory.mktemp("fixture-library"))
    with app.app_context():
        import_content(FIXTURE_CONTENT)
        index_worker.sync(search_index())
    release_app(app)
    yield Library(app.config["SQLALCHEMY_DATABASE_URI"], Path(app.config["SEARCH_INDEX_DIR"]))
    databases.drop_database(app.config["SQLALCHEMY_DATABASE_URI"])


@pytest.fixture
def bare_app(tmp_path, empty_library):
    """An app with an empty database (schema only) and no index."""
    app = app_from(empty_library, tmp_path)
    yield app
    close_app(app)


@pytest.fixture
def app(tmp_path, fixture_library):
    """An app with the fixture content imported and the index built."""
    app = app_from(fixture_library, tmp_path)
    yield app
    close_app(app)


@pytest.fixture
def ctx(app):
    """An application context for calling services directly."""
    with app.app_context():
        yield


@pytest.fixture
def users(app):
    """Accounts by name: a member of Leergroep Water, a participant in no group, an editor."""
    with app.app_context():
        accounts = {
            "member": create_user("lid@example.nl", "Lid Water", PASSWORD, "participant",
                                  ["water"]),
            "outsider": create_user("buiten@example.nl", "Buitenstaander", PASSWORD),
            "editor": create_user("redactie@example.nl", "Redactie", PASSWORD, "editor"),
        }
        return {name: user.id for name, user in accounts.items()}


@pytest.fixture
def browser(app):
    return Browser(app.test_client())


@pytest.fixture
def member(app, users):
    """A browser signed in as a member of Leergroep Water."""
    return signed_in(app, "lid@example.nl")


@pytest.fixture
def outsider(app, users):
    """A browser signed in as a participant who is in no learning group."""
    return signed_in(app, "buiten@example.nl")


@pytest.fixture
def editor(app, users):
    """A browser signed in as an editor (in no learning group)."""
    return signed_in(app, "redactie@example.nl")


@pytest.fixture
def content(tmp_path):
    """A private copy of the fixture content that a test may change or break."""
    folder = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, folder)
    return folder


@pytest.fixture
def empty(bare_app):
    """An app context on a database with the schema and nothing in it."""
    with bare_app.app_context():
        yield
