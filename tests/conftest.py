"""Shared fixtures: an isolated app per test (own SQLite file, own index folder) with the
fixture content imported and indexed, accounts, and a signed-in client helper."""
from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import Case, Reflection, User
from app.services import indexing, workflow
from app.services.accounts import create_user
from app.services.content_import import import_content

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
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'casusbank.sqlite'}",
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "CONTENT_DIR": str(FIXTURE_CONTENT),
        "SECRET_KEY": "test-secret",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast; production keeps scrypt
        **overrides,
    }
    return create_app(config)


def close_app(app) -> None:
    """Release what the app holds open, so no ResourceWarning escapes a test."""
    with app.app_context():
        app.extensions["casusbank.searchers"].close()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def bare_app(tmp_path):
    """An app with an empty database (schema only) and no index."""
    app = make_app(tmp_path)
    with app.app_context():
        db.create_all()
    yield app
    close_app(app)


@pytest.fixture
def app(bare_app):
    """The app with the fixture content imported and the index built."""
    with bare_app.app_context():
        import_content(FIXTURE_CONTENT)
        indexing.sync(indexing.search_index())
    return bare_app


@pytest.fixture
def ctx(app):
    """An application context for calling services directly."""
    with app.app_context():
        yield


def sync_index(app) -> int:
    with app.app_context():
        return indexing.sync(indexing.search_index())


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
