"""`flask serve` (what `make run` ends with): gunicorn and the indexer, started and stopped
together, and a case submitted over HTTP becomes searchable without anyone running sync."""
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from app.config import PROJECT_DIR
from app.web.forms import FIELD_LIMITS
from bench.consistency_texts import Words
from tests import databases
from tests.support import FIXTURE_CONTENT, PASSWORD

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


def serving(env) -> subprocess.Popen:
    """`flask serve` on a prepared instance (the fixture content, one member), as
    `make run` starts it; its output is read when it has been stopped."""
    flask(env, "db", "upgrade")
    flask(env, "content", "import")
    flask(env, "user", "create", "lid@example.nl", "--name", "Lid", "--password", PASSWORD)
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "serve"],
                            env=env, cwd=PROJECT_DIR, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


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
    server = serving(env)
    try:
        wait_until_up(base, server)
        session = Session(base)
        session.post_form("/inloggen", {"email": "lid@example.nl", "password": PASSWORD})
        url, html = session.post_form("/casussen/nieuw", {
            "title": "Kribverlaging bij de rivier", "summary": "Een proef met lagere kribben.",
            "body": "Schippers en natuurorganisaties dachten mee over kribverlaging.",
            "roles": "netwerkend", "policy_domain": "water", "visibility": "private"})
        assert re.search(r"/casussen/kribverlaging-bij-de-rivier-[a-z0-9]{4}$", url), url
        assert "<h1>Kribverlaging bij de rivier</h1>" in html
        # The longest search box, in a script of 3 bytes a letter: it reaches the site
        # through gunicorn (whose default 4 kB request line refused it with a bare 414).
        longest = urllib.parse.quote("€" * FIELD_LIMITS["q"])
        assert "Uw zoekvraag was erg lang" in session.get(f"/zoeken?q={longest}")
        with pytest.raises(urllib.error.HTTPError) as refused:
            session.get(f"/zoeken?q={longest}{'a' * 900}")
        assert refused.value.code == 414
        assert "<h1>Het adres is te lang</h1>" in refused.value.read().decode()
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
    # app.web_worker's hook ran in the worker, after it had loaded the site
    assert re.search(r"Worker \d+: \d{5,} objects of its start-up exempt", output), output
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(base + "/", timeout=1)


def _children(pid: int) -> dict[int, str]:
    """Process id -> command line of every child of `pid` (from /proc)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rpartition(")")[2].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read().replace(b"\0", b" ").decode()
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
        if parent == pid:
            found[int(entry)] = command
    return found


def _indexer_of(server) -> int | None:
    return next((pid for pid, command in _children(server.pid).items()
                 if "search worker" in command), None)


def _api(base, token, method, path, body=None):
    request = urllib.request.Request(
        base + path, method=method, data=json.dumps(body).encode() if body else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read())


class Traffic:
    """Two clients saving cases (a new word each) and searching through the API, each
    request answered or not; the words saved, with when."""

    def __init__(self, base, token):
        self.base, self.token = base, token
        self.stop, self.lock = threading.Event(), threading.Lock()
        self.saved: list[tuple[float, str]] = []
        self.answered, self.unanswered = 0, []
        self.clients = [threading.Thread(target=self._client, args=(Words(seed),))
                        for seed in range(2)]

    def _client(self, source) -> None:
        while not self.stop.is_set():
            word = source.new()
            try:
                status, _ = _api(self.base, self.token, "POST", "/api/v1/cases", {
                    "title": f"Kribproef {word}", "summary": "Een proef.",
                    "body": f"Over {word}.", "roles": ["netwerkend"], "policy_domain": "water",
                    "visibility": "private"})
                searched, _ = _api(self.base, self.token, "GET", "/api/v1/search?q=kribproef")
                with self.lock:
                    self.answered += (status == 201) + (searched == 200)
                    self.saved.append((time.monotonic(), word))
            except (OSError, urllib.error.HTTPError) as error:
                with self.lock:
                    self.unanswered.append(repr(error))

    def __enter__(self):
        for client in self.clients:
            client.start()
        return self

    def __exit__(self, *_exception):
        self.stop.set()
        for client in self.clients:
            client.join()


def test_serve_starts_a_killed_indexer_again_and_the_site_never_stops(environment):
    env, base = environment
    server = serving(env)
    token = flask(env, "token", "create", "lid@example.nl").stdout.strip().splitlines()[-1]
    try:
        wait_until_up(base, server)
        first = _indexer_of(server)
        with Traffic(base, token) as traffic:
            time.sleep(1.0)
            os.kill(first, signal.SIGKILL)
            killed, deadline = time.monotonic(), time.monotonic() + 30
            while _indexer_of(server) in (None, first):
                assert time.monotonic() < deadline, "the indexer was not started again"
                time.sleep(0.05)
            back = time.monotonic()
        for _when, word in traffic.saved:   # the backlog, what was saved while down too
            while _api(base, token, "GET", f"/api/v1/search?q={word}")[1]["total"] != 1:
                assert time.monotonic() < deadline, f"{word} was never indexed"
                time.sleep(0.1)
        assert server.poll() is None
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=30)
    assert traffic.unanswered == [] and traffic.answered == 2 * len(traffic.saved)
    assert [word for when, word in traffic.saved if killed < when < back], "none saved meanwhile"
    assert "indexer stopped (exit code -9); starting it again in 1 s" in output, output
    assert "indexer started again (restart 1)" in output
    assert server.returncode == 0, output
