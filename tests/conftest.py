"""Shared fixtures: an isolated app per test (own database, own index folder) with the
fixture content imported and indexed, accounts, and a signed-in client helper."""
from __future__ import annotations

import re
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.indexer import worker as index_worker
from app.indexer.handle import search_index
from app.models import Case, Reflection, User
from app.services import workflow
from app.services.accounts import create_user
from app.services.content_import import import_content
from tests import databases

FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"
CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright's own download is never used
PASSWORD = "correct horse battery"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


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


@contextmanager
def serving_live(app):
    """`app` served on a free loopback port in a thread, for the browser tests; yields
    its address."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=False)

    def serve():
        try:
            server.serve_forever()
        finally:  # before the thread ends and drops its searcher unclosed
            app.extensions["casusbank.searchers"].close()

    serving = threading.Thread(target=serve)
    serving.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        serving.join(5)
        server.server_close()


def make_app(tmp_path: Path, **overrides):
    config = {
        "TESTING": True,
        # A second app on the same database passes the first one's address.
        "SQLALCHEMY_DATABASE_URI": overrides.pop("SQLALCHEMY_DATABASE_URI", None)
        or databases.new_database_url(tmp_path),
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "CONTENT_DIR": str(FIXTURE_CONTENT),
        "SECRET_KEY": "test-secret",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast; production keeps scrypt
        **overrides,
    }
    return create_app(config)


def release_app(app) -> None:
    """Close what the app holds open (searchers, pooled connections), so no
    ResourceWarning escapes a test and its database may be copied or dropped."""
    with app.app_context():
        app.extensions["casusbank.searchers"].close()
        db.session.remove()
        db.engine.dispose()


def close_app(app) -> None:
    release_app(app)
    databases.drop_database(app.config["SQLALCHEMY_DATABASE_URI"])


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


class Library(NamedTuple):
    """A database and an index folder to copy: once built, no app runs on them."""
    database: str
    index: Path | None


def app_from(library: Library, folder: Path, **overrides):
    """A new app in `folder` on its own copy of `library`: a file copy on SQLite, a
    database made from it as a template on PostgreSQL, which both take a fraction of the
    time that creating the schema and importing the content again take."""
    folder.mkdir(parents=True, exist_ok=True)
    if library.index is not None:
        shutil.copytree(library.index, folder / "index")
    return make_app(folder, SQLALCHEMY_DATABASE_URI=databases.copy_of(library.database, folder),
                    **overrides)


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


def sync_index(app) -> int:
    with app.app_context():
        return index_worker.sync(search_index())


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


def publish(item):
    """Publish `item` through the workflow, as the editor of the `users` fixture would."""
    editor = db.session.scalar(select(User).where(User.email == "redactie@example.nl"))
    workflow.publish(editor, item)
    return item


def publish_at(app, address: str) -> None:
    """Publish the case or reflection whose page is at `address` (a form's redirect)."""
    kind, key = address.rstrip("/").split("/")[-2:]
    with app.app_context():
        item = (db.session.get(Reflection, int(key)) if kind == "reflecties"
                else db.session.scalar(select(Case).where(Case.slug == key)))
        publish(item)


def csrf_token(client, url: str) -> str:
    match = _TOKEN.search(client.get(url).get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


class Browser:
    """The Flask test client plus the steps a person takes: sign in, fill in a form."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def submit(self, form_url: str, data: dict, post_url: str | None = None, **kwargs):
        """Open the form page, take its CSRF token, and post `data` like a browser would."""
        token = csrf_token(self.client, form_url)
        return self.client.post(post_url or form_url, data={**data, "csrf_token": token},
                                **kwargs)

    def sign_in(self, email: str, password: str = PASSWORD):
        response = self.submit("/inloggen", {"email": email, "password": password})
        assert response.status_code == 303, response.get_data(as_text=True)
        return response


@pytest.fixture
def browser(app):
    return Browser(app.test_client())


def signed_in(app, email: str) -> Browser:
    browser = Browser(app.test_client())
    browser.sign_in(email)
    return browser


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
