"""What test modules import: making and closing apps, serving one on loopback, running the
indexer beside it, publishing, and a test client that signs in and fills in forms.

Fixtures and pytest hooks live in conftest.py, which pytest loads by itself and which
nothing imports; a plain function or constant that two test modules share belongs here,
so each module names where it comes from.
"""
from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import event, select

from app import create_app
from app.extensions import db
from app.indexer import worker as index_worker
from app.indexer.handle import search_index
from app.models import Case, Reflection, User
from app.search import SearchIndex
from app.services.editorial import workflow
from tests import databases

FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"
CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright's own download is never used
PASSWORD = "correct horse battery"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


# --- apps: made on a database of their own, and closed -------------------------------------

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


# --- the app at work: served on loopback, its index kept up to date -----------------------

@contextmanager
def serving_live(app) -> Iterator[str]:
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


def run_indexer(app, poll_seconds: float, stop: threading.Event,
                index: SearchIndex | None = None) -> None:
    """What `flask search worker` does, in this thread until `stop` is set: follow the
    change log into `index` (the app's own index when none is given). The one place the
    tests start the worker, so a move of the indexing code changes one line here."""
    with app.app_context():
        index_worker.run_worker(search_index() if index is None else index,
                                index_worker.WorkerSettings(poll_seconds=poll_seconds), stop)


@contextmanager
def running_indexer(app, poll_seconds: float, *, index: SearchIndex | None = None,
                    stop: threading.Event | None = None,
                    join_seconds: float = 5) -> Iterator[threading.Event]:
    """run_indexer in a thread of its own while the block runs, as the indexer runs beside
    the web processes in production; yields the event that stops it. A test that stops
    other threads of its own at the same moment passes its `stop`. The join is bounded,
    so an indexer that hangs fails the test's assertions rather than hanging the run."""
    stop = threading.Event() if stop is None else stop
    worker = threading.Thread(target=run_indexer, args=(app, poll_seconds, stop, index))
    worker.start()
    try:
        yield stop
    finally:
        stop.set()
        worker.join(join_seconds)


def sync_index(app) -> int:
    with app.app_context():
        return index_worker.sync(search_index())


# --- content and people ------------------------------------------------------------------

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


def signed_in(app, email: str) -> Browser:
    browser = Browser(app.test_client())
    browser.sign_in(email)
    return browser


def statements_for(app, client, url: str) -> int:
    """How many SQL statements answering `url` takes: the tests that keep a page's cost
    flat as items are added compare this for few items and for many."""
    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)
