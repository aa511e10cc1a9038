"""When things break, the app keeps serving and says so, and nothing submitted is lost: an
indexer killed with SIGKILL halfway through an index update, the index deleted or damaged
under the running app, and the database locked by a long writer."""
from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import signal
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from markupsafe import escape
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app.extensions import db
from app.indexer import documents as item_documents
from app.indexer import worker as index_worker
from app.indexer.handle import search_index
from app.models import Case, ChangeLog
from app.search.index import POINTER, PROGRESS, REBUILDING
from app.services.people.accounts import create_user
from app.services.reading import search as search_service
from tests.support import (
    PASSWORD,
    app_from,
    close_app,
    csrf_token,
    make_app,
    publish_at,
    running_indexer,
    signed_in,
    sync_index,
)
from tests.test_cases import VALID
from tests.test_indexing import new_case

NOT_READY = "De zoekfunctie wordt op dit moment klaargezet"
RESULTS = re.compile(r'class="result-count">\s*(\d+) resulta')
KEY = re.compile(r'href="/(casussen|reflecties)/([^"]+)"')


def results(client, words: str = "water") -> tuple[int, str]:
    """(number of results, page html) of a search; 0 when the page shows none."""
    response = client.get(f"/zoeken?q={words}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    found = RESULTS.search(html)
    return (int(found.group(1)) if found else 0), html


def cli(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def current_folder(app) -> Path:
    root = Path(app.config["SEARCH_INDEX_DIR"])
    return root / (root / POINTER).read_text().strip()


def _one_file(app, suffix: str) -> Path:
    return next(path for path in current_folder(app).iterdir() if path.name.endswith(suffix))


def _truncate(path: Path) -> None:
    with path.open("r+b") as handle:     # in place: the open searcher reads this very file
        handle.truncate(path.stat().st_size // 3)


def _garble(path: Path) -> None:
    with path.open("r+b") as handle:
        handle.write(bytes(range(256)) * (path.stat().st_size // 256 + 1))


DAMAGE = {
    "folder deleted": lambda app: shutil.rmtree(app.config["SEARCH_INDEX_DIR"]),
    "table of contents deleted": lambda app: _one_file(app, ".toc").unlink(),
    "pointer to nowhere": lambda app: (Path(app.config["SEARCH_INDEX_DIR"]) / POINTER)
    .write_text("v-00000000000000000001-1"),
    "progress mark garbled": lambda app: (current_folder(app) / PROGRESS).write_text("{"),
    "term file truncated": lambda app: _truncate(_one_file(app, ".trm")),
    "stored fields garbled": lambda app: _garble(_one_file(app, "_stored.col")),
}


# -- the index deleted or damaged while the app runs ----------------------------------------

@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_index_gives_a_notice_until_sync_rebuilds_it(app, browser, damage):
    count, _html = results(browser)          # the app is running, its searcher open
    assert count > 0
    DAMAGE[damage](app)
    # Another word: what the open searcher has read already it may still answer from.
    damaged_count, html = results(browser, "geluid")
    assert damaged_count == 0 and NOT_READY in html
    assert browser.get("/").status_code == 200
    assert browser.get("/casussen/geluidsmaatregelen-hsl-zuid").status_code == 200
    assert "index state:         ok" not in cli(app, "search", "status")
    cli(app, "search", "sync")
    restored, html = results(browser)
    assert restored == count and NOT_READY not in html
    assert "index state:         ok" in cli(app, "search", "status")


def test_sync_says_it_rebuilds_a_damaged_index(app, browser):
    results(browser)
    DAMAGE["term file truncated"](app)     # no search has met it yet: sync reads first
    output = cli(app, "search", "sync")
    assert "the search index is damaged" in output and "building a new one" in output


def test_status_finds_damage_no_search_has_met_yet_and_the_indexer_repairs_it(app, browser):
    counts = [results(browser, words)[0] for words in ("water", "geluid")]
    damaged = current_folder(app)
    DAMAGE["stored fields garbled"](app)
    assert "index state:         damaged: " in cli(app, "search", "status")
    with app.app_context():
        index_worker.sync(search_index())   # what the indexer does, twice a second
    assert current_folder(app) != damaged
    assert [results(browser, words)[0] for words in ("water", "geluid")] == counts


def test_the_indexer_rebuilds_a_deleted_index_by_itself(app, browser):
    count, _html = results(browser)
    DAMAGE["folder deleted"](app)
    with running_indexer(app, poll_seconds=0.02, join_seconds=10), app.app_context():
        assert eventually(search_index().is_usable)
    assert results(browser)[0] == count


def eventually(condition, seconds: float = 20) -> bool:
    """Wait for `condition` (the deadline only stops a hang; it is not what is tested)."""
    stop = threading.Event()
    for _round in range(int(seconds / 0.02)):
        if condition():
            return True
        stop.wait(0.02)
    return condition()


def test_a_search_while_the_index_is_rebuilt_from_nothing_says_so(app, browser):
    DAMAGE["folder deleted"](app)
    root = Path(app.config["SEARCH_INDEX_DIR"])
    root.mkdir()
    (root / REBUILDING).write_text(str(os.getpid()))   # a rebuild under way, in this process
    html = results(browser)[1]
    assert "De zoekindex wordt opnieuw opgebouwd" in html


# -- a segment merged away under a searcher ---------------------------------------------------

def _failing_first(monkeypatch, failures: int) -> list:
    """run_search raising as Whoosh does when the indexer's commit deleted a segment's
    column file that this searcher had not opened yet, `failures` times; then itself."""
    real, searchers = search_service.run_search, []

    def run_search(searcher, *args, **kwargs):
        searchers.append(searcher)
        if len(searchers) <= failures:
            raise TypeError("'NoneType' object is not subscriptable")
        return real(searcher, *args, **kwargs)
    monkeypatch.setattr(search_service, "run_search", run_search)
    return searchers


def test_a_search_that_meets_a_vanished_segment_is_tried_again_with_a_new_searcher(
        app, browser, monkeypatch):
    expected = results(browser)[0]
    searchers = _failing_first(monkeypatch, failures=1)
    assert results(browser)[0] == expected > 0
    assert len(searchers) == 2 and searchers[0] is not searchers[1]


def test_a_search_that_fails_twice_on_a_sound_index_is_a_bug_and_raised(app, monkeypatch):
    _failing_first(monkeypatch, failures=2)
    app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(TypeError):
        app.test_client().get("/zoeken?q=water")


# -- the database locked by a long writer ---------------------------------------------------

def _app_waiting(library, tmp_path: Path, milliseconds: int):
    """The fixture content, a member and an editor, in an app whose writes wait `milliseconds` for
    another writer's lock (DATABASE_BUSY_TIMEOUT_MS) before they give up."""
    app = app_from(library, tmp_path, DATABASE_BUSY_TIMEOUT_MS=milliseconds)
    with app.app_context():
        create_user("lid@example.nl", "Lid Water", PASSWORD, "participant", ["water"])
        create_user("redactie@example.nl", "Redactie", PASSWORD, "editor")
    return app


@pytest.fixture
def impatient(tmp_path, fixture_library):
    app = _app_waiting(fixture_library, tmp_path, 300)
    yield app
    close_app(app)


@pytest.fixture
def patient(tmp_path, fixture_library):
    app = _app_waiting(fixture_library, tmp_path, 30_000)
    yield app
    close_app(app)


@contextmanager
def long_writer(app, tables: str = "cases, change_log"):
    """Another connection that holds the write lock, as a long import or a script would;
    yields the function that commits and so releases it. SQLite has one lock for the
    whole file; on PostgreSQL an EXCLUSIVE lock on `tables` (by default those a new case
    goes into) does the same: reads go on, writes wait."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        connection = sqlite3.connect(url.database, isolation_level=None,
                                     check_same_thread=False)
        connection.execute("BEGIN IMMEDIATE")
    else:
        connection = psycopg.connect(url.set(drivername="postgresql").render_as_string(
            hide_password=False), autocommit=True)
        connection.execute("BEGIN")
        connection.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
    held = [True]

    def release() -> None:
        connection.execute("COMMIT")
        held.clear()
    try:
        yield release
    finally:
        if held:
            connection.execute("ROLLBACK")
        connection.close()


def _cases_titled(app, title: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(Case.title == title))


TYPED = {**VALID, "title": "Kademuur langs de IJssel",
         "body": "Wat ik typte: de kademuur <zakt> & scheurt.\n\nTweede alinea."}


def test_reading_and_searching_go_on_while_a_long_writer_holds_the_lock(impatient):
    member = signed_in(impatient, "lid@example.nl")
    with long_writer(impatient):
        for address in ("/", "/casussen/", "/casussen/geluidsmaatregelen-hsl-zuid",
                        "/casussen/nieuw"):
            assert member.get(address).status_code == 200, address
        assert results(member)[0] > 0


def test_a_form_sent_while_the_lock_outlasts_the_timeout_gets_503_with_its_text(impatient):
    member = signed_in(impatient, "lid@example.nl")
    token = csrf_token(member.client, "/casussen/nieuw")
    changes = _change_count(impatient)
    with long_writer(impatient):
        response = member.client.post("/casussen/nieuw", data={**TYPED, "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "Probeer het over een minuut opnieuw" in html
    assert "Wat u verstuurde, is niet opgeslagen" in html
    assert escape(TYPED["body"]) in html and TYPED["title"] in html   # to copy, escaped
    assert f">{token}</textarea>" not in html
    assert _cases_titled(impatient, TYPED["title"]) == 0 and _change_count(impatient) == changes
    # Once the writer is done, the same form goes through and the case can be found.
    response = member.submit("/casussen/nieuw", TYPED)
    assert response.status_code == 303
    publish_at(impatient, response.headers["Location"])
    sync_index(impatient)
    assert _cases_titled(impatient, TYPED["title"]) == 1
    assert results(member, "kademuur")[0] == 1


def _change_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ChangeLog))


def test_a_form_sent_during_a_short_write_waits_for_it_and_is_saved(patient):
    member = signed_in(patient, "lid@example.nl")
    released = threading.Event()
    with long_writer(patient) as release:
        def finish_soon():
            threading.Event().wait(0.3)
            release()
            released.set()

        finisher = threading.Thread(target=finish_soon)
        finisher.start()
        response = member.submit("/casussen/nieuw", TYPED)
        finisher.join()
    assert response.status_code == 303
    assert released.is_set()      # the save could only finish after the writer's commit
    assert _cases_titled(patient, TYPED["title"]) == 1


# -- an indexer killed with SIGKILL halfway through an index update -------------------------

BIG_BATCH = 120   # cases: 240 change-log rows, one batch of the indexer
HANG_POINTS = ("adding documents", "committing", "rebuilding")


def _stop_dead(ready) -> None:
    ready.set()
    threading.Event().wait(300)   # until the test kills this process


def _index_until_killed(tmp_path: str, database: str, where: str, ready) -> None:
    """The indexer, in a process of its own: it applies the big batch (or rebuilds) and
    stops dead at `where` until it is killed."""
    from whoosh.writing import SegmentWriter
    if where == "adding documents":
        real_update, calls = SegmentWriter.update_document, []

        def update_then_hang(self, **fields):
            calls.append(1)
            if len(calls) == BIG_BATCH // 2:
                _stop_dead(ready)
            return real_update(self, **fields)

        SegmentWriter.update_document = update_then_hang
    elif where == "committing":   # segment files written, table of contents not yet
        SegmentWriter._commit_toc = lambda self, segments: _stop_dead(ready)
    else:
        real_documents = item_documents.all_documents

        def half_then_hang():
            for number, document in enumerate(real_documents()):
                if number == BIG_BATCH // 2:
                    _stop_dead(ready)
                yield document

        item_documents.all_documents = half_then_hang
    app = make_app(Path(tmp_path), SQLALCHEMY_DATABASE_URI=database)
    with app.app_context():
        index = search_index()
        index_worker.rebuild(index) if where == "rebuilding" else index_worker.sync(index)


@pytest.mark.slow
@pytest.mark.parametrize("where", HANG_POINTS)
def test_an_indexer_killed_halfway_blocks_nothing_and_loses_nothing(
        app, users, browser, member, tmp_path, where):
    with app.app_context():
        for number in range(BIG_BATCH):
            new_case(f"Dijkversterking {number}", users["member"])
    searchable = results(browser)[0]
    ready = multiprocessing.get_context("spawn").Event()
    indexer = multiprocessing.get_context("spawn").Process(
        target=_index_until_killed,
        args=(str(tmp_path), app.config["SQLALCHEMY_DATABASE_URI"], where, ready))
    indexer.start()
    try:
        assert ready.wait(120), "the indexer never got halfway"
        # Meanwhile the site serves the last good index, and takes a submission.
        assert results(browser)[0] == searchable
        submitted = member.submit("/casussen/nieuw", TYPED)
        assert submitted.status_code == 303
    finally:
        os.kill(indexer.pid, signal.SIGKILL)
        indexer.join(30)
    assert indexer.exitcode == -signal.SIGKILL
    _check_the_leftovers_block_nothing(app, where)
    publish_at(app, submitted.headers["Location"])
    cli(app, "search", "sync")
    assert results(browser, "dijkversterking")[0] == BIG_BATCH
    assert results(browser, "kademuur")[0] == 1
    assert "backlog:             0" in cli(app, "search", "status")
    if where == "rebuilding":   # the next rebuild clears the killed one's half-built folder
        cli(app, "search", "rebuild")
        root = Path(app.config["SEARCH_INDEX_DIR"])
        assert all((folder / PROGRESS).exists() for folder in root.glob("v-*"))


def _check_the_leftovers_block_nothing(app, where: str) -> None:
    root = Path(app.config["SEARCH_INDEX_DIR"])
    with app.app_context():
        index = search_index()
        if where == "rebuilding":
            assert (root / REBUILDING).exists() and not index.rebuilding()
            assert len(list(root.glob("v-*"))) == 2      # the current one and a half-built one
            assert "opnieuw opgebouwd" not in results(app.test_client())[1]
        else:
            assert any(current_folder(app).glob("*WRITELOCK"))
            with index.batch(timeout=0):   # the dead writer's lock died with it
                pass
