"""`flask serve` (what `make run` ends with): gunicorn and the indexer, started and stopped
together, and a case submitted over HTTP becomes searchable without anyone running sync."""
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from app.config import PROJECT_DIR
from tests import databases
from tests.conftest import FIXTURE_CONTENT, PASSWORD

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def database(tmp_path):
    url = databases.new_database_url(tmp_path)
    yield url
    databases.drop_database(url)


@pytest.fixture
def environment(tmp_path, database):
    port = free_port()
    env = {**os.environ,
           "DATABASE_URL": database,
           "SEARCH_INDEX_DIR": str(tmp_path / "index"),
           "CONTENT_DIR": str(FIXTURE_CONTENT),
           "SECRET_KEY": "serve-test",
           "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
           "INDEXER_POLL_SECONDS": "0.1",
           "SERVE_BIND": f"127.0.0.1:{port}"}
    return env, f"http://127.0.0.1:{port}"


def flask(env, *args, **kwargs):
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], env=env,
                          cwd=PROJECT_DIR, check=True, capture_output=True, text=True, **kwargs)


class Session:
    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path):
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.read().decode()

    def post_form(self, path, data):
        token = re.search(r'name="csrf_token" value="([^"]+)"', self.get(path)).group(1)
        body = urllib.parse.urlencode({**data, "csrf_token": token}, doseq=True).encode()
        with self.opener.open(self.base + path, body, timeout=10) as response:
            return response.geturl(), response.read().decode()


def wait_until_up(base, process, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            urllib.request.urlopen(base + "/", timeout=5).read()
            return
        except OSError:  # refused while booting, or slow to answer the first request
            time.sleep(0.2)
    raise AssertionError("the server did not come up")


def test_serve_runs_gunicorn_and_the_indexer_and_stops_both(environment):
    env, base = environment
    flask(env, "db", "upgrade")
    flask(env, "content", "import")
    flask(env, "user", "create", "lid@example.nl", "--name", "Lid", "--password", PASSWORD)
    server = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "serve"],
                              env=env, cwd=PROJECT_DIR, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        wait_until_up(base, server)
        session = Session(base)
        session.post_form("/inloggen", {"email": "lid@example.nl", "password": PASSWORD})
        url, html = session.post_form("/casussen/nieuw", {
            "title": "Kribverlaging bij de rivier", "summary": "Een proef met lagere kribben.",
            "body": "Schippers en natuurorganisaties dachten mee over kribverlaging.",
            "roles": "netwerkend", "policy_domain": "water", "visibility": "private"})
        assert url.endswith("/casussen/kribverlaging-bij-de-rivier")
        assert "<h1>Kribverlaging bij de rivier</h1>" in html
        deadline = time.monotonic() + 15
        # Private, so published at once without review; only its author finds it.
        while "Kribverlaging bij de rivier" not in session.get("/zoeken?q=kribverlaging"):
            assert time.monotonic() < deadline, "the indexer did not pick the case up"
            time.sleep(0.1)
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=30)
    assert server.returncode == 0, output
    assert "indexer running" in output and "Booting worker" in output
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(base + "/", timeout=1)
