"""How fast saving, indexing and searching are on real Dutch government text.

    python -m bench.indexing --corpus PATH.jsonl[.gz] [--title FIELD] [--body FIELD]
                             [--limit N] [--runs R]

Each run builds a fresh Casusbank in a temporary folder (the repository's own content/
for roles and vocabularies), then measures:

- saving N cases through `submit_case` (the web form's path), every other one with the
  change-log listener removed: the baseline in the same run;
- the indexer applying those N changes (`sync`), and a full `rebuild`;
- searching with the first words of each title through the web's query path, with the
  cached searcher the web workers use.

It prints the median of the runs for every figure.
"""
from __future__ import annotations

import argparse
import gzip
import json
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from flask_login import AnonymousUserMixin
from sqlalchemy import event
from sqlalchemy.orm import Session

from app import create_app
from app.config import PROJECT_DIR
from app.extensions import db
from app.indexer import worker as index_worker
from app.indexer.handle import search_index
from app.indexer.outbox import _record_changes
from app.search import SearchRequest, run_search
from app.services.contributing.cases import CaseInput, submit_case
from app.services.exchange.content_import import import_content
from app.services.people.accounts import create_user
from app.services.permissions import access_grants


def read_corpus(path: Path, title: str, body: str, limit: int) -> list[tuple[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    records = []
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record.get(title) and record.get(body):
                records.append((record[title][:200], record[body][:100_000]))
            if len(records) == limit:
                break
    return records


@contextmanager
def fresh_app():
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite",
                          "SEARCH_INDEX_DIR": f"{folder}/index", "SECRET_KEY": "bench",
                          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        with app.app_context():
            db.create_all()
            import_content(PROJECT_DIR / "content")
            index_worker.sync(search_index())
            yield app
            app.extensions["casusbank.searchers"].close()
            db.session.remove()
            db.engine.dispose()


def save(author, title: str, body: str) -> float:
    """Seconds for one save through the web form's service."""
    started = time.perf_counter()
    submit_case(author, CaseInput(title=title, summary=body[:400], body=body,
                                  roles=["netwerkend"], policy_domain="water",
                                  visibility="public"))
    return time.perf_counter() - started


def save_all(records, author) -> tuple[list[float], list[float]]:
    """Saves alternate between without and with the change-log listener, so that both
    see the same warm-up and the same growing database."""
    without, with_log = [], []
    for number, (title, body) in enumerate(records):
        if number % 2:
            with_log.append(save(author, title, body))
            continue
        event.remove(Session, "after_flush", _record_changes)
        try:
            without.append(save(author, title, body))
        finally:
            event.listen(Session, "after_flush", _record_changes)
    return without, with_log


def one_run(records) -> dict[str, float]:
    figures = {}
    with fresh_app() as app:
        author = create_user("bench@example.nl", "Bench", "bench-password-1")
        baseline, with_log = save_all(records, author)
        figures["save ms, no change log (baseline)"] = statistics.median(baseline) * 1000
        figures["save ms, with change log"] = statistics.median(with_log) * 1000

        index = search_index()
        started = time.perf_counter()
        applied = index_worker.sync(index)  # only the saves with a change-log row
        figures["sync: changes applied per s"] = applied / (time.perf_counter() - started)
        started = time.perf_counter()
        index_worker.rebuild(index)
        figures["rebuild s (all items)"] = time.perf_counter() - started

        searchers, grants = app.extensions["casusbank.searchers"], access_grants(
            AnonymousUserMixin())
        query_times = []
        for title, _body in records[:300]:
            words = " ".join(title.split()[:3])
            started = time.perf_counter()
            run_search(searchers.searcher(), SearchRequest(text=words), grants)
            query_times.append(time.perf_counter() - started)
        query_times.sort()
        figures["search ms p50"] = statistics.median(query_times) * 1000
        figures["search ms p95"] = query_times[int(len(query_times) * 0.95)] * 1000
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--title", default="question")
    parser.add_argument("--body", default="context")
    parser.add_argument("--limit", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    records = read_corpus(options.corpus, options.title, options.body, options.limit)
    runs = [one_run(records) for _ in range(options.runs)]
    print(f"{len(records)} documents from {options.corpus.name}, median of {len(runs)} runs")
    for name in runs[0]:
        print(f"  {name:38} {statistics.median(run[name] for run in runs):10.2f}")


if __name__ == "__main__":
    main()
