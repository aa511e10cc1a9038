"""Several nodes behind a load balancer: a session, a CSRF token and the rate limits do
not depend on which node a request reaches, and a node that would disagree with the
others refuses to start (or warns) instead of quietly breaking.

A node here is an app made by make_app on the database of the first one, with the same
SECRET_KEY and its own index folder, as a second machine would have. Rate limits shared
between nodes need a Redis: a redis-server is started on a free loopback port, or the
tests that need it skip (fail when CASUSBANK_REQUIRE_SERVERS=1, as on CI).
"""
import logging
import os
import shutil
import socket
import subprocess
import sys
import time

import pytest
from flask import Flask

from app import create_app
from app.config import PROJECT_DIR, MissingSharedSetting, configure
from app.extensions import limiter
from app.services.people.accounts import create_user
from tests.support import PASSWORD, Browser, app_from, close_app, csrf_token, make_app, release_app

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
REQUIRED = bool(os.environ.get("CASUSBANK_REQUIRE_SERVERS"))
# Never connected to: the start-up checks look at the URL only.
SERVER_DATABASE = "postgresql+psycopg://casusbank:casusbank@127.0.0.1:9/casusbank"
NEW_PASSWORD = "een heel ander wachtwoord"


# --- nodes ------------------------------------------------------------------------------------

def close_limit_storage(node) -> None:
    """A Redis client's connections (memory:// holds none)."""
    if node.config["RATELIMIT_STORAGE_URI"].startswith("redis://"):
        with node.app_context():
            limiter.storage.storage.close()


def release(node) -> None:
    """What close_app does, short of dropping the database: that belongs to the first
    node, which is closed last."""
    close_limit_storage(node)
    release_app(node)


@pytest.fixture
def nodes(tmp_path, empty_library):
    """nodes(**settings) -> (A, B): two apps on one database with one SECRET_KEY, and an
    account lid@example.nl to sign in with. Called once per test."""
    made = []

    def make(**settings):
        first = app_from(empty_library, tmp_path / "node-a", **settings)
        made.append(first)
        with first.app_context():
            create_user("lid@example.nl", "Lid Water", PASSWORD)
        second = make_app(tmp_path / "node-b", **{
            **settings, "SQLALCHEMY_DATABASE_URI": first.config["SQLALCHEMY_DATABASE_URI"]})
        made.append(second)
        return first, second

    yield make
    if len(made) == 2:
        release(made[1])
    if made:
        close_limit_storage(made[0])
        close_app(made[0])   # the first node owns the database: closed last


def move_cookies(source, target) -> None:
    """The browser's cookies, as the load balancer hands its next request to another node."""
    for name in ("session",):
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


# --- sessions and CSRF tokens -------------------------------------------------------------------

def test_a_session_and_a_form_from_one_node_are_accepted_by_another(nodes):
    a, b = nodes()
    on_a, on_b = Browser(a.test_client()), Browser(b.test_client())
    on_a.sign_in("lid@example.nl")
    token = csrf_token(on_a.client, "/account/wachtwoord")

    move_cookies(on_a.client, on_b.client)
    page = on_b.get("/account/")
    assert page.status_code == 200 and "Lid Water" in page.get_data(as_text=True)
    changed = on_b.client.post("/account/wachtwoord", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "new_password_repeat": NEW_PASSWORD, "csrf_token": token})
    assert changed.status_code == 303, changed.get_data(as_text=True)

    move_cookies(on_b.client, on_a.client)   # and back: B's renewed session works on A
    assert "Uw wachtwoord is gewijzigd." in on_a.get("/").get_data(as_text=True)
    assert on_a.get("/account/").status_code == 200


def test_a_node_with_another_secret_key_does_not_accept_them(nodes, tmp_path):
    """The control for the test above: it can tell a shared key from a mere copy of state."""
    a, b = nodes()
    on_a = Browser(a.test_client())
    on_a.sign_in("lid@example.nl")
    token = csrf_token(on_a.client, "/account/wachtwoord")
    b.config["SECRET_KEY"] = "another-secret"
    on_b = b.test_client()
    move_cookies(on_a.client, on_b)
    assert on_b.get("/account/").status_code == 302        # to the sign-in page
    refused = on_b.post("/taal", data={"taal": "en", "csrf_token": token})
    assert refused.status_code == 400


def test_changing_the_password_on_one_node_ends_the_sessions_on_another(nodes):
    a, b = nodes()
    elsewhere = Browser(a.test_client())
    elsewhere.sign_in("lid@example.nl")
    here = Browser(b.test_client())
    here.sign_in("lid@example.nl")
    assert here.submit("/account/wachtwoord", {
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "new_password_repeat": NEW_PASSWORD}).status_code == 303
    assert elsewhere.get("/account/").status_code == 302


# --- rate limits --------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_redis(port: int, server: subprocess.Popen, seconds: float = 10) -> None:
    import redis
    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + seconds
    try:
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
    finally:
        client.close()


def start_redis(port: int, folder) -> subprocess.Popen:
    """A redis-server on this loopback port that writes nothing to disk, once it answers."""
    if not os.path.exists(REDIS_SERVER):
        message = f"no redis-server at {REDIS_SERVER} (.ci/run installs Debian's redis-server)"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    with open(folder / "redis.log", "wb") as log:
        server = subprocess.Popen(
            [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(folder)], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_redis(port, server)
    except BaseException:
        stop_redis(server)
        raise
    return server


def stop_redis(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(10)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    """A throwaway redis-server on a free loopback port; its URL."""
    port = free_port()
    server = start_redis(port, tmp_path_factory.mktemp("redis"))
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop_redis(server)


@pytest.fixture
def shared_limits(redis_server):
    """The Redis URL, emptied before each test so no count carries over."""
    import redis
    with redis.Redis.from_url(redis_server) as client:
        client.flushdb()
    return redis_server


def failed_sign_in(node):
    browser = Browser(node.test_client())
    return browser.submit("/inloggen", {"email": "lid@example.nl",
                                        "password": "wrong password"}).status_code


def sign_in_failures_by_turns(a, b) -> list[int]:
    """Three failures allowed; four attempts from one address, alternating A and B."""
    return [failed_sign_in(node) for node in (a, b, a, b)]


def api_requests_by_turns(a, b) -> list[int]:
    return [node.test_client().get("/api/v1/groups").status_code for node in (a, b, a, b)]


def test_failed_sign_ins_on_two_nodes_add_up_to_one_limit(nodes, shared_limits):
    a, b = nodes(RATELIMIT_STORAGE_URI=shared_limits, SIGN_IN_RATE_LIMIT="3 per hour")
    assert sign_in_failures_by_turns(a, b) == [401, 401, 401, 429]
    assert failed_sign_in(a) == 429


def test_api_requests_on_two_nodes_share_one_limit(nodes, shared_limits):
    a, b = nodes(RATELIMIT_STORAGE_URI=shared_limits, API_RATE_LIMIT="3 per hour")
    assert api_requests_by_turns(a, b) == [200, 200, 200, 429]
    error = a.test_client().get("/api/v1/groups").get_json()["error"]
    assert error["code"] == "too_many_requests" and error["retry_after_seconds"] >= 1


def test_in_memory_each_node_counts_on_its_own(nodes):
    """The control for the two tests above: memory:// counts per process (here per app,
    as each node is a process of its own), so alternating never reaches the limit."""
    a, b = nodes(RATELIMIT_STORAGE_URI="memory://", SIGN_IN_RATE_LIMIT="3 per hour",
                 API_RATE_LIMIT="3 per hour")
    assert sign_in_failures_by_turns(a, b) == [401, 401, 401, 401]
    assert api_requests_by_turns(a, b) == [200, 200, 200, 200]
    assert [failed_sign_in(a), failed_sign_in(a)] == [401, 429]   # A's own limit, alone


# --- when Redis is down -------------------------------------------------------------------------

def unreachable_redis() -> str:
    """A Redis URL on a loopback port nothing listens on: every connection is refused."""
    return f"redis://127.0.0.1:{free_port()}/0"


def redis_keys(url: str) -> list:
    import redis
    with redis.Redis.from_url(url) as client:
        return client.keys()


def test_when_redis_is_down_each_node_counts_in_memory_and_nothing_fails(nodes, capsys):
    a, b = nodes(RATELIMIT_STORAGE_URI=unreachable_redis(), SIGN_IN_RATE_LIMIT="3 per hour",
                 API_RATE_LIMIT="3 per hour")
    assert sign_in_failures_by_turns(a, b) == [401, 401, 401, 401]
    assert [failed_sign_in(a), failed_sign_in(a)] == [401, 429]   # still limited, per node
    assert api_requests_by_turns(a, b) == [200, 200, 200, 200]
    assert [b.test_client().get("/api/v1/groups").status_code for _ in range(2)] == [200, 429]
    # In the server's error log (stderr here), not only in a handler pytest adds.
    warning = "WARNING in _extension: Rate limit storage unreachable - falling back to in-memory"
    assert warning in capsys.readouterr().err


def test_a_redis_that_stops_answering_counts_as_down_within_a_second(nodes):
    """A network split drops packets instead of refusing them: redis-py's own defaults
    would hold each such request for tens of seconds (one minute for a ping here), past
    gunicorn's 30 s worker timeout. The connections give up after one second."""
    with socket.socket() as silent:                 # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        port = silent.getsockname()[1]
        a, _ = nodes(RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{port}/0",
                     SIGN_IN_RATE_LIMIT="1 per hour")
        with a.app_context():
            settings = limiter.storage.storage.connection_pool.connection_kwargs
        assert (settings["socket_connect_timeout"], settings["socket_timeout"]) == (1, 1)
        assert [failed_sign_in(a), failed_sign_in(a)] == [401, 429]
        assert a.extensions["casusbank.rate_limits"]["_storage_dead"]


def test_one_apps_redis_outage_leaves_the_others_counting_in_redis(nodes, shared_limits,
                                                                   empty_library, tmp_path):
    """Flask-Limiter marks its storage dead on the Limiter, which every app in a process
    shares: without a state per app, the outage of C would move A and B to memory too."""
    a, b = nodes(RATELIMIT_STORAGE_URI=shared_limits, SIGN_IN_RATE_LIMIT="3 per hour")
    cut_off = app_from(empty_library, tmp_path / "node-c",
                       RATELIMIT_STORAGE_URI=unreachable_redis())
    try:
        assert failed_sign_in(cut_off) == 401
        assert cut_off.extensions["casusbank.rate_limits"]["_storage_dead"]
    finally:
        close_limit_storage(cut_off)
        close_app(cut_off)
    assert sign_in_failures_by_turns(a, b) == [401, 401, 401, 429]
    assert redis_keys(shared_limits)
    assert not a.extensions["casusbank.rate_limits"]["_storage_dead"]


def test_when_redis_is_back_the_nodes_count_there_again(nodes, tmp_path):
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    a, _ = nodes(RATELIMIT_STORAGE_URI=url)
    client = a.test_client()
    assert client.get("/api/v1/groups").status_code == 200      # Redis down: counted in memory
    assert a.extensions["casusbank.rate_limits"]["_storage_dead"]
    server = start_redis(port, tmp_path)
    try:
        # Flask-Limiter tries the storage again after a pause (1, 2, 4 … 32 s); no waiting here.
        with a.app_context():
            limiter._Limiter__last_check_backend = 0
        assert client.get("/api/v1/groups").status_code == 200
        assert redis_keys(url)
    finally:
        close_limit_storage(a)
        stop_redis(server)


# --- at start -----------------------------------------------------------------------------------

def configured(tmp_path, monkeypatch, **settings) -> Flask:
    for name in ("SECRET_KEY", "DATABASE_URL", "RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(name, raising=False)
    app = Flask("node", instance_path=str(tmp_path / "instance"))
    configure(app, settings)
    return app


def test_without_a_secret_key_a_database_server_refuses_to_start(tmp_path, monkeypatch):
    with pytest.raises(MissingSharedSetting, match="same key") as refused:
        configured(tmp_path, monkeypatch, SQLALCHEMY_DATABASE_URI=SERVER_DATABASE)
    assert "SECRET_KEY" in str(refused.value) and "every node" in str(refused.value)
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_without_a_secret_key_sqlite_still_makes_one(tmp_path, monkeypatch):
    app = configured(tmp_path, monkeypatch)
    assert len(app.config["SECRET_KEY"]) == 64


def test_create_app_refuses_before_touching_the_database(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(MissingSharedSetting):
        create_app({"SQLALCHEMY_DATABASE_URI": SERVER_DATABASE, "SECRET_KEY": None,
                    "SEARCH_INDEX_DIR": str(tmp_path / "index")})


def test_the_flask_command_says_why_it_does_not_start(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "SECRET_KEY"}
    env.update(DATABASE_URL=SERVER_DATABASE, SEARCH_INDEX_DIR=str(tmp_path / "index"))
    finished = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "routes"],
                              env=env, cwd=PROJECT_DIR, capture_output=True, text=True,
                              timeout=60)
    assert finished.returncode != 0
    assert "SECRET_KEY is not set" in finished.stderr
    assert "every node" in finished.stderr


@pytest.mark.parametrize("database, storage, warned", [
    (SERVER_DATABASE, "memory://", True),
    (SERVER_DATABASE, "redis://127.0.0.1:9/0", False),
    ("sqlite:///casusbank.sqlite", "memory://", False),
])
def test_per_process_limits_on_a_database_server_are_a_warning(
        tmp_path, monkeypatch, caplog, database, storage, warned):
    with caplog.at_level(logging.WARNING):
        configured(tmp_path, monkeypatch, SQLALCHEMY_DATABASE_URI=database,
                   SECRET_KEY="s3cret", RATELIMIT_STORAGE_URI=storage)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert bool(warnings) is warned
    if warned:
        assert "RATELIMIT_STORAGE_URI" in warnings[0] and "redis://" in warnings[0]
