"""The index follows the change log: nothing lost on a crash, nothing lost under load."""
import multiprocessing
import threading
import time
from pathlib import Path

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.extensions import db
from app.indexer import documents as item_documents
from app.indexer import status as index_status
from app.indexer import worker as index_worker
from app.indexer.handle import search_index
from app.models import Case, ChangeLog, User
from app.search import IndexBusy, SearchIndex, SearchRequest, run_search
from app.search.index import POINTER, PROGRESS
from app.services.contributing.cases import CaseInput, submit_case
from app.services.permissions import access_grants
from tests.support import close_app, make_app, publish, run_indexer, running_indexer


def new_case(title, author_id, **fields):
    """A case written and then published: two changes in the log (see CHANGES_PER_CASE)."""
    author = db.session.get(User, author_id)
    data = CaseInput(title=title, summary=f"Samenvatting van {title}", body=f"Tekst over {title}.",
                     roles=["netwerkend"], policy_domain="water", visibility="public")
    for name, value in fields.items():
        setattr(data, name, value)
    return publish(submit_case(author, data))


CHANGES_PER_CASE = 2  # submitted, then published


def found(title_word, user=None):
    """Keys of what `user` (default: anonymous) finds with exactly `title_word` (quoted, so
    compound parts do not widen the search), from a new searcher."""
    with search_index().open().searcher() as searcher:
        page = run_search(searcher, SearchRequest(text=f'"{title_word}"', page_length=1000),
                          access_grants(user or AnonymousUserMixin()))
    return [hit.key for hit in page.hits]


def test_an_item_committed_but_not_indexed_is_found_after_the_next_sync(ctx, users):
    case = new_case("Zandsuppletie", users["member"])   # committed: as if the process died now
    assert found("zandsuppletie") == []
    assert index_worker.sync(search_index()) == CHANGES_PER_CASE
    assert found("zandsuppletie") == [case.search_key]


def test_a_crash_inside_the_index_write_loses_nothing(ctx, users, monkeypatch):
    case = new_case("Kwelwater", users["member"])
    index = search_index()
    through = index.applied_through()

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr("whoosh.writing.SegmentWriter.commit", crash)
    with pytest.raises(RuntimeError):
        index_worker.sync(index)
    monkeypatch.undo()
    assert index.applied_through() == through
    index_worker.sync(index)
    assert found("kwelwater") == [case.search_key]


def test_a_crash_between_index_commit_and_progress_mark_replays_without_duplicates(
        ctx, users, monkeypatch):
    case = new_case("Veenweide", users["member"])
    index = search_index()
    monkeypatch.setattr(SearchIndex, "_mark", lambda self, folder, through: None)
    with pytest.raises(RuntimeError, match="did not advance"):
        index_worker.sync(index)                   # written, but the mark did not move
    monkeypatch.undo()
    assert found("veenweide") == [case.search_key]
    assert index_worker.sync(index) == CHANGES_PER_CASE  # replayed …
    assert found("veenweide") == [case.search_key]   # … once
    assert index_worker.sync(index) == 0


def test_deleted_items_leave_the_index(ctx, users):
    case = new_case("Slibvang", users["member"])
    index_worker.sync(search_index())
    db.session.delete(db.session.get(Case, case.id))
    db.session.commit()
    index_worker.sync(search_index())
    assert found("slibvang") == []


def test_a_visibility_change_reaches_the_index(ctx, users):
    case = new_case("Grondwaterpeil", users["member"])
    index_worker.sync(search_index())
    assert found("grondwaterpeil") == [case.search_key]
    db.session.get(Case, case.id).visibility = "internal"
    db.session.commit()
    index_worker.sync(search_index())
    assert found("grondwaterpeil") == []
    assert found("grondwaterpeil", db.session.get(User, users["outsider"])) == [case.search_key]


def test_a_rebuild_swaps_in_a_new_version_and_keeps_later_edits(ctx, users):
    index = search_index()
    before = index.current_version()
    index_worker.rebuild(index)
    assert index.current_version() != before
    case = new_case("Oeverzwaluw", users["member"])   # an edit after the rebuild's snapshot
    index_worker.sync(index)
    assert found("oeverzwaluw") == [case.search_key]
    index_worker.rebuild(index)
    index_worker.rebuild(index)
    assert len(list(Path(index.root).glob("v-*"))) == 2  # the current one and the previous


def test_an_edit_made_while_a_rebuild_reads_is_replayed_onto_the_new_index(
        ctx, users, monkeypatch):
    case = new_case("Getijdenpoel", users["member"])
    index_worker.sync(search_index())
    real_documents = item_documents.all_documents

    def documents_with_an_edit_halfway():
        for number, document in enumerate(real_documents()):
            if number == 1:  # another user saves while the rebuild is reading
                with Session(db.engine) as other:
                    other.get(Case, case.id).title = "Getijdenpoel en zandplaat"
                    other.commit()
            yield document

    monkeypatch.setattr(item_documents, "all_documents", documents_with_an_edit_halfway)
    index = search_index()
    index_worker.rebuild(index)
    assert found("zandplaat") == []          # the rebuild read the case before the edit …
    index_worker.sync(index)
    assert found("zandplaat") == [case.search_key]   # … and the change log brings it in


def test_a_slow_writer_cannot_commit_an_older_state_over_a_newer_one(app, users, monkeypatch):
    """A sync reads a case while it is public and is held up before writing; meanwhile the
    case becomes internal. The other writer must wait for the lock instead of racing, so
    the index ends with the newer state."""
    with app.app_context():
        case_id = new_case("Dwarsligger", users["member"]).id
    has_read, may_write = threading.Event(), threading.Event()
    real_documents_for = item_documents.documents_for

    def held_up(keys):
        documents = real_documents_for(keys)
        if threading.current_thread().name == "slow":
            has_read.set()
            may_write.wait(10)
        return documents

    monkeypatch.setattr(item_documents, "documents_for", held_up)

    def slow_sync():
        with app.app_context():
            index_worker.sync(search_index())

    slow = threading.Thread(target=slow_sync, name="slow")
    slow.start()
    try:
        assert has_read.wait(10)
        with app.app_context():
            db.session.get(Case, case_id).visibility = "internal"
            db.session.commit()
            with pytest.raises(IndexBusy):
                with search_index().batch(timeout=0.3):
                    pass
    finally:
        may_write.set()
        slow.join(10)
    with app.app_context():
        index_worker.sync(search_index())
        assert found("dwarsligger") == []
        assert found("dwarsligger", db.session.get(User, users["outsider"])) == [
            f"case:{case_id}"]


def test_a_missing_index_is_rebuilt_by_sync(ctx):
    index = search_index()
    (Path(index.root) / POINTER).unlink()
    assert not index.is_usable()
    index_worker.sync(index)
    assert index.is_usable()
    assert found("waterschap")


def test_an_index_of_an_older_schema_is_rebuilt_by_sync(ctx):
    index = search_index()
    progress = Path(index.root) / index.current_version() / PROGRESS
    progress.write_text('{"schema": 0, "applied_through": 0}')
    assert not index.is_usable()
    index_worker.sync(index)
    assert index.is_usable()


def _change_ids(app, slug: str) -> list[int]:
    with app.app_context():
        case_id = db.session.scalar(select(Case.id).where(Case.slug == slug))
        return list(db.session.scalars(select(ChangeLog.id).where(
            ChangeLog.entity == "case", ChangeLog.entity_id == case_id)))


def test_a_save_that_took_a_change_id_commits_before_any_later_save(app):
    """The indexer reads the log in id order and moves past what it read: a lower id that
    committed after a higher one would be skipped. A save that has written its change-log
    row makes the next save wait for its commit (PostgreSQL: the advisory lock; SQLite:
    its single write lock), so ids and commits come in the same order."""
    first_flushed, later_done, release = (threading.Event() for _ in range(3))

    def save(slug: str, summary: str, between_flush_and_commit=lambda: None) -> None:
        with app.app_context():
            db.session.scalar(select(Case).where(Case.slug == slug)).summary = summary
            db.session.flush()
            between_flush_and_commit()
            db.session.commit()

    def first_save():
        save("geluidsmaatregelen-hsl-zuid", "Eerst begonnen",
             lambda: (first_flushed.set(), release.wait(10)))

    def later_save():
        save("waterschappen-en-regenwater", "Later begonnen")
        later_done.set()

    saves = [threading.Thread(target=first_save), threading.Thread(target=later_save)]
    saves[0].start()
    assert first_flushed.wait(10)
    saves[1].start()
    assert not later_done.wait(0.5)     # it waits for the first one's commit
    release.set()
    for save in saves:
        save.join(20)
    assert later_done.is_set()
    first, later = (_change_ids(app, slug)[-1] for slug in (
        "geluidsmaatregelen-hsl-zuid", "waterschappen-en-regenwater"))
    assert first < later


def test_status_reports_the_backlog(ctx, users):
    index = search_index()
    new_case("Achterstand", users["member"])
    facts = index_status.status(index)
    assert facts.backlog == CHANGES_PER_CASE and facts.database_items == facts.index_documents + 1
    index_worker.sync(index)
    facts = index_status.status(index)
    assert facts.backlog == 0 and facts.database_items == facts.index_documents
    assert facts.size_bytes > 0


def test_the_worker_follows_the_log_within_a_second_or_two(app, users):
    with running_indexer(app, poll_seconds=0.05), app.app_context():
        case = new_case("Brakwater", users["member"])
        deadline = time.monotonic() + 2
        while found("brakwater") != [case.search_key] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert found("brakwater") == [case.search_key]


def test_the_worker_survives_a_failing_round(app, users, monkeypatch, caplog):
    calls = []
    real_sync = index_worker.sync

    def flaky(index, batch_size=500):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("index locked")
        stop.set()
        return real_sync(index, batch_size)

    stop = threading.Event()
    monkeypatch.setattr(index_worker, "sync", flaky)
    run_indexer(app, poll_seconds=0.01, stop=stop)
    assert len(calls) == 2
    assert "indexing failed" in caplog.text


# -- several processes saving at once -----------------------------------------------------

WRITERS, SAVES_EACH = 4, 10


def _save_cases(tmp_path: str, database: str, writer: int, author_id: int, start) -> None:
    """Runs in a separate process: its own app and connection, the same database.

    Each writer adds cases and edits one shared case (text and visibility); writers 0 and
    1 also run `sync` after every save, as an operator might beside the indexer.
    """
    app = make_app(Path(tmp_path), SQLALCHEMY_DATABASE_URI=database)
    start.wait()
    with app.app_context():
        for number in range(SAVES_EACH):
            new_case(f"Gelijktijdig {writer} {number}", author_id)
            shared = db.session.scalar(select(Case).where(Case.slug == SHARED))
            shared.summary = f"Stand {writer}-{number}"
            shared.visibility = "internal" if (writer + number) % 2 else "public"
            db.session.commit()
            if writer < 2:
                index_worker.sync(search_index())
    close_app(app)


SHARED = "geluidsmaatregelen-hsl-zuid"


def _wait_for_the_indexer(deadline_seconds: float = 30) -> None:
    index, deadline = search_index(), time.monotonic() + deadline_seconds
    while index.applied_through() < index_worker.last_change_id():
        assert time.monotonic() < deadline, "the indexer fell behind for good"
        time.sleep(0.05)


@pytest.mark.slow
def test_several_processes_saving_at_once_lose_no_update(app, users, tmp_path):
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    writers = [context.Process(target=_save_cases,
                               args=(str(tmp_path), app.config["SQLALCHEMY_DATABASE_URI"], n,
                                     users["member"], start))
               for n in range(WRITERS)]
    for process in writers:
        process.start()
    with running_indexer(app, poll_seconds=0.02, join_seconds=10):
        start.set()
        for process in writers:
            process.join(120)
        assert [process.exitcode for process in writers] == [0] * WRITERS
        with app.app_context():
            _wait_for_the_indexer()   # no final sync: the indexer alone must get there
    with app.app_context():
        saved = set(db.session.scalars(
            select(Case.id).where(Case.title.like("Gelijktijdig %"))))
        indexed = {int(key.split(":")[1]) for key in found("gelijktijdig")}
        shared = db.session.scalar(select(Case).where(Case.slug == SHARED))
        with search_index().open().searcher() as searcher:
            stored = searcher.document(key=shared.search_key)
        anonymous_finds_it = shared.search_key in found("onderhoudsbedrijf")
    assert len(saved) == WRITERS * SAVES_EACH
    assert indexed == saved
    assert stored["summary"] == shared.summary
    assert anonymous_finds_it == (shared.visibility == "public")


def test_a_rebuild_with_several_writer_processes_holds_the_same_documents(ctx):
    index = search_index()
    before = found("waterschappen")
    index_worker.rebuild(index, procs=2)
    assert found("waterschappen") == before
    assert index.document_count() == index_status.status(index).database_items
