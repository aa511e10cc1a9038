"""How long the editors' pages take on a large library: the desk, a case page as an
editor sees it (with its workflow box), and a history page — beside the front page and a
search page as the baseline of the same run.

    python -m bench.desk --corpus ../shared/data/nl_bwb_wetgeving_2015/bwb_wetgeving_2015.jsonl.gz \
        --docs 50000 [--submitted 200] [--runs 7]

The articles go in as published public cases (bench.bwb); `--submitted` of them are then
put in the editors' queue, and one case gets ten revisions. Prints the median and the
slowest of `--runs` requests per page, in milliseconds.
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import select, update

from app.database import refresh_planner_statistics
from app.extensions import db
from app.indexer import worker as index_worker
from app.indexer.handle import search_index
from app.models import Case, Status, User, utcnow
from app.services.contributing.cases import case_as_input, update_case
from app.services.people.accounts import create_user
from bench.bwb import articles, load
from bench.instance import temporary_casusbank
from bench.speed import minimal_content

PASSWORD = "bench password 1"


def _prepare(submitted: int) -> str:
    """Editor account, a queue of submitted cases, one case with a history; its slug."""
    editor = create_user("redactie@example.nl", "Redactie", PASSWORD, "editor")
    queued = list(db.session.scalars(select(Case.id).order_by(Case.id).limit(submitted)))
    db.session.execute(update(Case).where(Case.id.in_(queued))
                       .values(status=Status.SUBMITTED, submitted_at=utcnow()))
    db.session.commit()
    case = db.session.scalar(select(Case).order_by(Case.id.desc()).limit(1))
    case.summary = "Samenvatting."
    for number in range(10):
        data = case_as_input(case)
        data.body = f"{data.body}\n\nAanvulling {number}."
        update_case(db.session.get(User, editor.id), case, data)
    return case.slug


def _sign_in(client) -> None:
    page = client.get("/inloggen").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post("/inloggen", data={"email": "redactie@example.nl",
                                              "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303, "sign-in failed"


def _time(client, url: str, runs: int) -> dict[str, float]:
    client.get(url)  # the first request of an index state builds its sets: not counted
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return {"median_ms": round(statistics.median(seconds) * 1000, 1),
            "max_ms": round(max(seconds) * 1000, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--docs", type=int, default=50_000)
    parser.add_argument("--submitted", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    docs = list(articles(args.corpus, args.docs))
    with tempfile.TemporaryDirectory() as folder:
        with temporary_casusbank(minimal_content(Path(folder))) as (app, _):
            load(docs)
            slug = _prepare(args.submitted)
            refresh_planner_statistics()  # as the import does at every `make run`
            index_worker.rebuild(search_index())
            index_worker.sync(search_index())
            client = app.test_client()
            _sign_in(client)
            pages = {"front page": "/", "search page": "/zoeken?q=minister",
                     "desk": "/redactie", "case as editor": f"/casussen/{slug}",
                     "history": f"/casussen/{slug}/geschiedenis"}
            figures = {name: _time(client, url, args.runs) for name, url in pages.items()}
    print(f"{len(docs)} cases, {args.submitted} in the queue, {args.runs} runs per page")
    for name, timing in figures.items():
        print(f"  {name:16} median {timing['median_ms']:>8} ms   slowest {timing['max_ms']:>8} ms")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
