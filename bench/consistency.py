"""Does search ever find an item by words it no longer holds, or count one it may no
longer show? Writers change the same items through the API of two web processes with
words no other version holds, while the indexer follows and readers keep both
processes' searchers and caches busy. Once the indexer has caught up, every search path
of both processes (words, numbers, phrases, prefixes, fuzzy terms, counts, facets,
excerpts, "Bedoelde u", similar cases) must give exactly what the database holds now.

    python -m bench.consistency --writers 4 --seconds 60 --kill-indexer-every 10

tests/test_consistency.py runs a short version of the same harness in the suite.
"""
from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import select

from app.extensions import db
from app.indexer import worker as index_worker
from app.indexer.handle import search_index
from app.models import User
from app.services.contributing.cases import CaseInput, submit_case
from app.services.editorial import workflow
from app.services.people import api_tokens
from app.services.people.accounts import create_user
from bench.consistency_checks import Checker, truth_of
from bench.consistency_cluster import Cluster, site_environment
from bench.consistency_texts import Item, Version, Words

EDITOR = "consistentie@example.nl"


@dataclass
class Run:
    """What the writers share: the items, the word source, the editor's API token."""

    token: str
    items: list[Item]
    words: Words
    lock: threading.Lock = field(default_factory=threading.Lock)
    writes: int = 0
    refused: int = 0
    delays: list[float] = field(default_factory=list)

    def next_version(self, item: Item, shared: tuple[str, ...] = ()) -> Version:
        with self.lock:
            version = Version(self.words.new(), self.words.new(),
                              item.number(len(item.written) + 1), shared)
            item.written.append(version)
            return version


def prepare(items: int, seed: int = 1) -> Run:
    """In the app's context: an editor with an API token and `items` published public
    cases, each with its first version."""
    editor = db.session.scalar(select(User).where(User.email == EDITOR)) or create_user(
        EDITOR, "Consistentie", "consistentie-wachtwoord", "editor")
    _record, token = api_tokens.create_token(editor, "consistency")
    run = Run(token, [], Words(seed))
    for key in range(items):
        item = Item(key)
        first = Version(run.words.new(), run.words.new(), item.number(1))
        case = submit_case(editor, CaseInput(**first.fields(), roles=["rechtmatig"],
                                             policy_domain="water", visibility="public"))
        workflow.publish(editor, case)
        item.id, item.slug = case.id, case.slug
        item.written.append(first)
        run.items.append(item)
    return run


def patch(http: requests.Session, url: str, run: Run, item: Item, version: Version,
          **extra) -> bool:
    response = http.patch(f"{url}/api/v1/cases/{item.id}", timeout=60,
                          json={**version.fields(), **extra},
                          headers={"Authorization": f"Bearer {run.token}"})
    with run.lock:
        run.writes += response.status_code == 200
        run.refused += response.status_code != 200
    return response.status_code == 200


def _write(run: Run, urls: list[str], number: int, stop: threading.Event) -> None:
    rng, http = random.Random(number), requests.Session()
    while not stop.is_set():
        item = rng.choice(run.items)
        patch(http, rng.choice(urls), run, item, run.next_version(item))


def _read(run: Run, url: str, number: int, stop: threading.Event) -> None:
    """Search words old and new, so that each index state's caches fill with them."""
    rng, http = random.Random(1000 + number), requests.Session()
    while not stop.is_set():
        with run.lock:
            version = rng.choice(rng.choice(run.items).written)
        query = rng.choice([version.a, version.number, f"{version.a[:7]}*", f'"{version.a}'
                            f' {version.b}"', f"{version.a}~1"])
        http.get(f"{url}/api/v1/search", params={"q": query}, timeout=60)


def exercise(run: Run, cluster: Cluster, writers: int, seconds: float,
             kill_every: float = 0.0) -> None:
    """Writers and one reader per web process for `seconds`; with `kill_every`, the
    indexer is killed (SIGKILL) that often and started again a second later."""
    stop = threading.Event()
    threads = [threading.Thread(target=_write, args=(run, cluster.urls, n, stop))
               for n in range(writers)]
    threads += [threading.Thread(target=_read, args=(run, url, n, stop))
                for n, url in enumerate(cluster.urls)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + seconds
    next_kill = time.monotonic() + kill_every if kill_every else float("inf")
    while time.monotonic() < deadline:
        time.sleep(min(0.2, max(deadline - time.monotonic(), 0)))
        if time.monotonic() >= next_kill:
            cluster.kill_indexer()
            time.sleep(1.0)
            cluster.start_indexer()
            next_kill = time.monotonic() + kill_every
    stop.set()
    for thread in threads:
        thread.join()


def settle(run: Run, url: str, narrowed: int) -> set[int]:
    """One last version of each item, one after another: its body shares an old word of
    the next item and the current word of the one after (for "similar cases"), its
    number undoubles to its first number, and the first `narrowed` items become
    readable by signed-in users only. Returns the narrowed items' ids."""
    count, http = len(run.items), requests.Session()
    finals = [(run.words.new(), run.words.new()) for _ in run.items]
    for position, item in enumerate(run.items):
        following, after = run.items[(position + 1) % count], (position + 2) % count
        first_number = item.written[0].number
        version = Version(*finals[position], first_number + first_number[-1],
                          (following.written[0].a, finals[after][0]))
        with run.lock:
            item.written.append(version)
        extra = {"visibility": "internal"} if position < narrowed else {}
        if not patch(http, url, run, item, version, **extra):
            raise RuntimeError(f"the last version of case {item.id} was refused")
    return {item.id for item in run.items[:narrowed]}


def wait_until_indexed(timeout: float = 120.0) -> float:
    """In the app's context: seconds until the index has applied the whole change log."""
    started, index = time.monotonic(), search_index()
    while True:
        db.session.rollback()
        if index.is_usable() and index.applied_through() >= index_worker.last_change_id():
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise TimeoutError("the indexer did not catch up")
        time.sleep(0.02)


def verify(run: Run, cluster: Cluster, narrowed: set[int]) -> list[str]:
    """In the app's context, once indexed: every problem any web process shows."""
    truth = truth_of(run.items, narrowed)
    problems = []
    for url in cluster.urls:
        problems += Checker(url, truth, run).all()
    return problems


def measure_delay(run: Run, cluster: Cluster, samples: int) -> list[float]:
    """Seconds from a change's commit (the API's answer) until every web process finds
    it by its new word."""
    http, delays = requests.Session(), []
    for number in range(samples):
        item = run.items[number % len(run.items)]
        version = run.next_version(item)
        patch(http, cluster.urls[0], run, item, version)
        saved = time.monotonic()
        for url in cluster.urls:
            while version.a not in http.get(f"{url}/api/v1/search",
                                            params={"q": version.a}, timeout=60).text:
                time.sleep(0.005)
        delays.append(time.monotonic() - saved)
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--items", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=45.0)
    parser.add_argument("--kill-indexer-every", type=float, default=0.0)
    parser.add_argument("--database-server", help="a PostgreSQL URL (default: SQLite)")
    arguments = parser.parse_args()
    from bench.instance import temporary_casusbank
    with temporary_casusbank(database_server=arguments.database_server) as (app, folder):
        report(app, folder, arguments)


def report(app, folder: Path, arguments) -> None:
    run = prepare(arguments.items)
    index_worker.sync(search_index())
    environment = site_environment(app.config["SQLALCHEMY_DATABASE_URI"], folder / "index")
    with tempfile.TemporaryDirectory() as logs:
        cluster = Cluster(environment, Path(logs))
        cluster.start()
        try:
            exercise(run, cluster, arguments.writers, arguments.seconds,
                     arguments.kill_indexer_every)
            narrowed = settle(run, cluster.urls[0], narrowed=2)
            caught_up = wait_until_indexed()
            problems = verify(run, cluster, narrowed)
            delays = measure_delay(run, cluster, 20)
        finally:
            cluster.stop()
    print(f"writes: {run.writes} saved, {run.refused} refused; indexer started "
          f"{cluster.indexer_starts} time(s); caught up {caught_up:.2f} s after the last write")
    print(f"change to found in both web processes: median {statistics.median(delays):.3f} s, "
          f"max {max(delays):.3f} s (20 changes)")
    print(f"problems: {len(problems)}")
    for problem in problems[:30]:
        print("  " + problem)


if __name__ == "__main__":
    main()
