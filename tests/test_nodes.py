"""Several app nodes, each with its own index, tailing one change log: the registry of how
far each got, pruning what all have applied, rebuilding a node that fell behind the pruned
log, and two `flask serve` nodes writing at once and converging on the same documents."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app import create_app
from app.config import PROJECT_DIR
from app.extensions import db
from app.indexer import nodes as index_nodes
from app.indexer import worker as index_worker
from app.indexer.handle import search_index
from app.models import Case, ChangeLog, IndexNode, Reflection, Status, Visibility, utcnow
from app.search import IndexMissing, SearchIndex
from app.services.exchange.content_import import import_content
from app.services.people.accounts import create_user
from tests import databases
from tests.support import FIXTURE_CONTENT, PASSWORD, app_from, close_app, running_indexer
from tests.test_indexing import new_case
from tests.test_serve import Session, flask, free_port, wait_until_up


@pytest.fixture
def two_nodes(tmp_path, empty_library):
    """One app and database; node "a" is the app's own index, node "b" a second folder."""
    app = app_from(empty_library, tmp_path, INDEX_NODE_NAME="a")
    with app.app_context():
        import_content(FIXTURE_CONTENT)
        node_a = search_index()
        node_b = SearchIndex(tmp_path / "index-b")
        index_worker.sync(node_a)
        index_worker.sync(node_b, node="b")
        yield app, node_a, node_b
    close_app(app)


@pytest.fixture
def author(two_nodes):
    create_user("redactie@example.nl", "Redactie", PASSWORD, "editor")
    return create_user("lid@example.nl", "Lid", PASSWORD, "participant", ["water"]).id


def registry() -> dict[str, int]:
    return dict(db.session.execute(select(IndexNode.name, IndexNode.applied_through)).all())


def keys(index: SearchIndex) -> set[str]:
    with index.open().searcher() as searcher:
        return {fields["key"] for fields in searcher.all_stored_fields()}


def database_keys() -> set[str]:
    return {item.search_key for model in (Case, Reflection) for item in db.session.scalars(
        select(model))}


def log_ids() -> list[int]:
    return list(db.session.scalars(select(ChangeLog.id).order_by(ChangeLog.id)))


def test_each_node_records_how_far_its_own_index_got(two_nodes):
    _app, node_a, node_b = two_nodes
    last = index_worker.last_change_id()
    assert last > 0 and registry() == {"a": last, "b": last}
    versions = dict(db.session.execute(select(IndexNode.name, IndexNode.index_version)).all())
    assert versions == {"a": node_a.current_version(), "b": node_b.current_version()}
    assert keys(node_a) == keys(node_b) == database_keys()


def test_pruning_keeps_every_row_the_slowest_node_has_not_applied(two_nodes, author):
    _app, node_a, node_b = two_nodes
    behind = index_worker.last_change_id()
    new_case("Kribverlaging", author)
    new_case("Zandmotor", author)
    index_worker.sync(node_a)                     # b has not seen the two cases yet
    assert registry() == {"a": index_worker.last_change_id(), "b": behind}

    report = index_nodes.prune_change_log()
    assert (report.slowest, report.pruned_through) == ("b", behind)
    assert index_nodes.pruned_through() == behind and log_ids()[0] == behind + 1
    assert report.deleted > 0 and "slowest node b" in report.summary()

    assert index_worker.sync(node_b, node="b") == 4   # the rows it needed were still there
    assert keys(node_b) == keys(node_a) == database_keys()
    assert index_nodes.prune_change_log().deleted == 3    # everyone is up to date ...
    assert log_ids() == [index_worker.last_change_id()]       # ... and the newest row stays


def test_no_registered_node_means_nothing_is_pruned(two_nodes):
    db.session.execute(IndexNode.__table__.delete())
    db.session.commit()
    rows = log_ids()
    report = index_nodes.prune_change_log()
    assert (report.deleted, report.slowest, report.pruned_through) == (0, None, 0)
    assert log_ids() == rows and "nothing pruned" in report.summary()


def age(node: str, hours: float) -> None:
    db.session.execute(update(IndexNode).where(IndexNode.name == node)
                       .values(seen_at=utcnow() - timedelta(hours=hours)))
    db.session.commit()


def test_a_stale_node_holds_nothing_back_and_rebuilds_when_it_returns(two_nodes, author):
    _app, node_a, node_b = two_nodes
    new_case("Kribverlaging", author)
    index_worker.sync(node_a)
    age("b", 25)                               # silent longer than INDEX_NODE_STALE_HOURS
    report = index_nodes.prune_change_log()
    assert (report.slowest, report.stale) == ("a", 1)
    assert report.pruned_through == index_worker.last_change_id() - 1
    assert node_b.applied_through() < report.pruned_through

    old_version = node_b.current_version()
    index_worker.sync(node_b, node="b")
    assert node_b.current_version() != old_version    # rebuilt, not patched over the gap
    assert keys(node_b) == keys(node_a) == database_keys()
    assert registry()["b"] == index_worker.last_change_id()


def test_a_prune_between_the_check_and_the_batch_still_makes_the_node_rebuild(
        two_nodes, author, monkeypatch):
    """A node that comes back from stale may see the log pruned while it starts reading:
    the batch reads the horizon after its rows, so it finds out and rebuilds."""
    _app, node_a, node_b = two_nodes
    new_case("Kribverlaging", author)
    index_worker.sync(node_a)
    age("b", 25)
    index_nodes.prune_change_log()
    with pytest.raises(index_nodes.LogPruned):
        index_worker.apply_changes(node_b)
    monkeypatch.setattr(index_worker, "_needs_rebuild", lambda index: False)
    old_version = node_b.current_version()
    index_worker.sync(node_b, node="b")
    assert node_b.current_version() != old_version
    assert keys(node_b) == database_keys()


def test_a_node_with_an_old_copy_of_an_index_rebuilds(two_nodes, author, tmp_path):
    """A new node started from another node's old index folder (or a backup) is behind
    the pruned log: its first sync rebuilds it."""
    _app, node_a, _node_b = two_nodes
    shutil.copytree(node_a.root, tmp_path / "index-c")
    new_case("Kribverlaging", author)
    index_worker.sync(node_a)
    age("b", 25)
    index_nodes.prune_change_log()
    node_c = SearchIndex(tmp_path / "index-c")
    index_worker.sync(node_c, node="c")
    assert keys(node_c) == database_keys() and registry()["c"] == index_worker.last_change_id()


def test_status_and_prune_commands_list_every_node(two_nodes, author):
    app, node_a, _node_b = two_nodes
    new_case("Kribverlaging", author)
    index_worker.sync(node_a)
    age("b", 30)
    runner = app.test_cli_runner()
    pruned = runner.invoke(args=["search", "prune"])
    assert pruned.exit_code == 0 and "slowest node a" in pruned.output
    assert "1 stale ignored" in pruned.output
    output = runner.invoke(args=["search", "status"]).output
    last = index_worker.last_change_id()
    assert f"log pruned through:  {last - 1}" in output
    # "seen 0 s ago", or 1 s when the clock ticked over between the sync and the status.
    assert re.search(rf"node a \(this node\): applied through {last}, backlog 0, seen [01] s ago",
                     output)
    assert "node b: applied through " in output and "seen 1 d ago STALE" in output
    assert runner.invoke(args=["search", "prune", "--stale-hours", "100"]).output.startswith(
        "pruned 0 change-log row(s)")


def test_status_names_a_node_that_signs_with_another_secret_key(two_nodes):
    app, node_a, node_b = two_nodes
    own_key = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "the key of another deployment"
    index_nodes.record(node_b, node="b")          # as node b, started with another key
    app.config["SECRET_KEY"] = own_key
    index_nodes.record(node_a)
    prints = dict(db.session.execute(select(IndexNode.name, IndexNode.key_fingerprint)).all())
    assert prints["a"] == index_nodes.key_fingerprint() != prints["b"]

    output = app.test_cli_runner().invoke(args=["search", "status"]).output
    b_line = next(line for line in output.splitlines() if line.startswith("node b"))
    a_line = next(line for line in output.splitlines() if line.startswith("node a"))
    assert "OTHER SECRET_KEY than this node" in b_line
    assert "SECRET_KEY" not in a_line


def test_a_node_not_yet_recorded_since_the_upgrade_is_not_called_different(two_nodes):
    app, _node_a, _node_b = two_nodes
    db.session.execute(update(IndexNode).where(IndexNode.name == "b")
                       .values(key_fingerprint=None))
    db.session.commit()
    states = {state.name: state.same_key for state in index_nodes.node_states(0)}
    assert states == {"a": True, "b": None}
    assert "SECRET_KEY" not in app.test_cli_runner().invoke(args=["search", "status"]).output


def test_a_node_forgotten_holds_no_pruning_back_and_registers_again(two_nodes, author):
    app, node_a, node_b = two_nodes
    new_case("Kribverlaging", author)
    index_worker.sync(node_a)                               # b, still fresh, is behind
    runner = app.test_cli_runner()
    assert index_nodes.prune_change_log().slowest == "b"
    age("b", 1)                                         # stopped an hour ago

    forgotten = runner.invoke(args=["search", "forget", "b"])
    assert forgotten.exit_code == 0 and "index node b forgotten" in forgotten.output
    assert registry() == {"a": index_worker.last_change_id()}
    assert "node b" not in runner.invoke(args=["search", "status"]).output
    assert index_nodes.prune_change_log().slowest == "a"

    old_version = node_b.current_version()
    index_worker.sync(node_b, node="b")                     # back after all: it rebuilds
    assert node_b.current_version() != old_version
    assert keys(node_b) == database_keys() and registry()["b"] == index_worker.last_change_id()


def test_a_node_seen_seconds_ago_is_forgotten_only_with_force(two_nodes):
    app, _node_a, _node_b = two_nodes
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["search", "forget", "b"])
    assert refused.exit_code != 0
    assert re.search(r"index node b was seen [01] s ago", refused.output)
    assert "stop it first, or use --force" in refused.output and "b" in registry()
    assert runner.invoke(args=["search", "forget", "b", "--force"]).exit_code == 0
    assert set(registry()) == {"a"}


def test_forgetting_an_unknown_node_names_the_known_ones(two_nodes):
    app, _node_a, _node_b = two_nodes
    refused = app.test_cli_runner().invoke(args=["search", "forget", "c"])
    assert refused.exit_code != 0
    assert "there is no index node 'c' (known: a, b)" in refused.output
    assert set(registry()) == {"a", "b"}


def test_an_idle_indexer_writes_its_row_at_most_every_few_seconds(two_nodes, monkeypatch):
    _app, node_a, _node_b = two_nodes
    now = [1000.0]
    writes, prunes = [], []
    monkeypatch.setattr(index_nodes, "record", lambda index: writes.append(now[0]))
    monkeypatch.setattr(index_nodes, "prune_change_log",
                        lambda: prunes.append(now[0]) or index_nodes.PruneReport(
                            0, 0, None, 0, 0, 0))
    chores = index_nodes.WorkerChores(prune_seconds=60, clock=lambda: now[0])
    for _round in range(200):                  # 20 s of idle polls every 0.1 s
        chores.after_round(node_a, applied=0)
        now[0] += 0.1
    assert len(writes) == 4 and writes[1] - writes[0] >= index_nodes.HEARTBEAT_SECONDS
    chores.after_round(node_a, applied=12)     # a batch recorded the node itself
    assert len(writes) == 4
    now[0] += 45
    chores.after_round(node_a, applied=0)
    assert len(prunes) == 1 and prunes[0] >= 1060


def test_the_worker_registers_its_node_without_any_changes(two_nodes):
    app, node_a, _node_b = two_nodes
    age("a", 1)
    with running_indexer(app, poll_seconds=0.02, index=node_a):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and seen_seconds("a") > 60:
            time.sleep(0.05)
    assert seen_seconds("a") < 60


def seen_seconds(node: str) -> float:
    seen = db.session.scalar(select(IndexNode.seen_at).where(IndexNode.name == node))
    db.session.rollback()
    return (utcnow() - seen).total_seconds()


# -- two `flask serve` nodes on one database ----------------------------------------------

NODES = ("a", "b")


class Cluster:
    """Two `flask serve` instances (gunicorn + indexer each) with their own index folders
    and node names on one database, and an app of the test's own on that database."""

    def __init__(self, tmp_path):
        self.url = databases.new_database_url(tmp_path)
        self.env = {**os.environ, "DATABASE_URL": self.url, "CONTENT_DIR": str(FIXTURE_CONTENT),
                    "SECRET_KEY": "nodes-test", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                    "INDEXER_POLL_SECONDS": "0.1", "INDEX_PRUNE_MINUTES": "0.02",
                    "SERVE_WORKERS": "1"}
        self.folders = {name: tmp_path / f"index-{name}" for name in NODES}
        self.bases, self.servers, self.logs = {}, {}, {}
        self.tmp_path = tmp_path
        self.app = None
        self.token = ""

    def node_env(self, name: str) -> dict:
        return {**self.env, "SEARCH_INDEX_DIR": str(self.folders[name]),
                "INDEX_NODE_NAME": name, "SERVE_BIND": self.bases[name].removeprefix("http://")}

    def start(self) -> None:
        for name in NODES:
            self.bases[name] = f"http://127.0.0.1:{free_port()}"
            self.logs[name] = open(self.tmp_path / f"serve-{name}.log", "w")  # noqa: SIM115
            self.servers[name] = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "app", "serve"],
                env=self.node_env(name), cwd=PROJECT_DIR, stdout=self.logs[name],
                stderr=subprocess.STDOUT)
        for name in NODES:
            wait_until_up(self.bases[name], self.servers[name])

    def output(self, name: str) -> str:
        return (self.tmp_path / f"serve-{name}.log").read_text()

    def stop(self) -> list[int | None]:
        codes = []
        for server in self.servers.values():
            if server.poll() is None:
                server.send_signal(signal.SIGINT)
        for server in self.servers.values():
            try:
                codes.append(server.wait(30))
            except subprocess.TimeoutExpired:
                server.kill()
                codes.append(server.wait(10))
        for handle in self.logs.values():
            handle.close()
        self.servers.clear()
        return codes


@pytest.fixture
def cluster(tmp_path):
    nodes = Cluster(tmp_path)
    try:
        flask(nodes.env, "db", "upgrade")
        flask(nodes.env, "content", "import")
        flask(nodes.env, "user", "create", "lid@example.nl", "--name", "Lid", "--group", "water",
              "--password", PASSWORD)
        flask(nodes.env, "user", "create", "redactie@example.nl", "--name", "Redactie",
              "--role", "editor", "--password", PASSWORD)
        nodes.token = flask(nodes.env, "token", "create", "lid@example.nl").stdout.strip()
        nodes.app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": nodes.url,
                                "SEARCH_INDEX_DIR": str(tmp_path / "index-test"),
                                "SECRET_KEY": "nodes-test"})
        nodes.start()
        yield nodes
    finally:
        nodes.stop()
        if nodes.app is not None:
            close_app(nodes.app)   # drops the PostgreSQL database too
        else:
            databases.drop_database(nodes.url)


def api(base: str, token: str, method: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        base + path, method=method, data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def step(session: Session, slug: str, name: str) -> None:
    """An editor's workflow step on a case, as its page's button posts it."""
    html = session.get(f"/casussen/{slug}")
    token = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    body = urllib.parse.urlencode({"stap": name, "csrf_token": token}).encode()
    with session.opener.open(f"{session.base}/casussen/{slug}/status", body, timeout=10):
        pass


def index_contents(folder) -> dict[str, tuple] | None:
    """Each document's key -> (updated, status, visibility) as the index holds them; None
    while the node has no index yet."""
    try:
        with SearchIndex(folder).open().searcher() as searcher:
            found = {fields["key"]: [fields["updated"]] for fields in searcher.all_stored_fields()}
            for field, values in (("status", Status), ("visibility", Visibility)):
                for value in values:
                    for number in searcher.document_numbers(**{field: value.value}):
                        found[searcher.stored_fields(number)["key"]].append(value.value)
    except (IndexMissing, OSError):
        return None
    return {key: tuple(values) for key, values in found.items()}


def database_contents(app) -> dict[str, tuple]:
    """What every index should hold: every case and reflection, as it is now."""
    with app.app_context():
        contents = {item.search_key: (item.updated_at, item.status, item.visibility)
                    for model in (Case, Reflection) for item in db.session.scalars(select(model))}
        db.session.remove()
    return contents


def last_change_and_horizon(app) -> tuple[int, int]:
    with app.app_context():
        facts = index_worker.last_change_id(), index_nodes.pruned_through()
        db.session.remove()
    return facts


@pytest.mark.slow
def test_two_serving_nodes_converge_on_the_same_documents(cluster):
    a, b = cluster.bases["a"], cluster.bases["b"]
    editor_on_b, editor_on_a = Session(b), Session(a)
    for session in (editor_on_a, editor_on_b):
        session.post_form("/inloggen", {"email": "redactie@example.nl", "password": PASSWORD})
    case = {"summary": "Een proef.", "body": "Schippers dachten mee.", "roles": ["netwerkend"],
            "policy_domain": "water", "visibility": "public"}
    first = api(a, cluster.token, "POST", "/api/v1/cases", {**case, "title": "Kribverlaging"})
    second = api(b, cluster.token, "POST", "/api/v1/cases", {**case, "title": "Zandmotor"})
    step(editor_on_b, first["slug"], "publiceren")          # written on a, published on b
    step(editor_on_a, second["slug"], "publiceren")
    api(b, cluster.token, "PATCH", f"/api/v1/cases/{first['id']}", {"visibility": "internal"})
    step(editor_on_a, "geluidsmaatregelen-hsl-zuid", "archiveren")
    editor_on_b.post_form("/redactie/samenvoegen?van=interne-dijkcasus&naar=waterschappen-en-"
                          "regenwater", {"van": "interne-dijkcasus",
                                         "naar": "waterschappen-en-regenwater",
                                         "blijft": "waterschappen-en-regenwater"})
    with cluster.app.app_context():        # a maintenance script deleting an item
        db.session.delete(db.session.get(Case, second["id"]))
        db.session.commit()
        db.session.remove()

    expected = database_contents(cluster.app)
    assert f"case:{second['id']}" not in expected
    assert expected[f"case:{first['id']}"][1:] == ("published", "internal")
    assert sum(status == "archived" for _updated, status, _visibility in expected.values()) == 2
    deadline = time.monotonic() + 15
    while True:
        seen = {name: index_contents(folder) for name, folder in cluster.folders.items()}
        last, horizon = last_change_and_horizon(cluster.app)
        if seen["a"] == seen["b"] == expected and horizon == last - 1:
            break
        assert time.monotonic() < deadline, (seen, expected, last, horizon)
        time.sleep(0.1)

    status = flask(cluster.node_env("a"), "search", "status").stdout
    assert "node a (this node): applied through" in status and "node b: applied" in status
    assert f"log pruned through:  {horizon}" in status and "STALE" not in status
    assert cluster.stop() == [0, 0]
    for name in NODES:
        assert "indexer running" in cluster.output(name) and "Traceback" not in \
            cluster.output(name)
