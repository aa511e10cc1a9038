"""Casusbank under load: gunicorn and the indexer as `flask serve` runs them, many
signed-in users at once, and afterwards proof that nothing they submitted was lost.

    python -m bench.load [--corpus PATH --docs N] [--clients 20] [--seconds 60] [--workers 4]
                         [--database-server URL] [--log FILE] [--json]

Builds a throw-away instance (its own database and index) from content/ or, with --corpus,
from N articles of Dutch legislation (as bench.speed loads them); makes one editor and
participant accounts, each in a learning group; starts `flask serve` on a free loopback
port. Each client signs in, then for --seconds searches (the query mix of bench.speed,
some with a role filter), reads pages, and submits cases and reflections through the web
forms (submitted for review or saved as drafts), without pausing. Reports requests/s and
p50/p95/p99 per kind; then, once the indexer has applied the change log, checks that
every confirmed submission is in the database and in the index. Exits 1 on a FAIL.

The database is a SQLite file in the temporary folder, unless --database-server names a
PostgreSQL server (postgresql+psycopg://user:password@host:port/db, a role that may
CREATE DATABASE; `db` is only where the bench connects to create and drop): then the
instance gets a new empty database there, casusbank_bench_<pid>, which the server and the
checks share and which is dropped at the end, also after a failure or Ctrl-C. The same
bench against both says what the database costs or saves under this load.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

from app.extensions import db
from bench.instance import temporary_casusbank
from bench.load_checks import (
    Verdict,
    check_database,
    check_index,
    last_ids,
    new_items,
    wait_for_indexer,
)
from bench.load_clients import Client, Sample
from bench.load_server import Server
from bench.load_site import Site, content_folder, describe_site, load_corpus
from bench.speed import percentiles

KINDS = ("search", "page", "submit")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, help="BWB JSON lines (default: content/)")
    parser.add_argument("--docs", type=int, default=5_000, help="articles read from --corpus")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--database-server", metavar="URL",
                        help="PostgreSQL server to make a throw-away database on "
                             "(default: a SQLite file)")
    parser.add_argument("--log", type=Path, help="keep a copy of the server's output here")
    parser.add_argument("--json", action="store_true", help="end with one line of JSON")
    return parser.parse_args()


def run_clients(server: Server, site: Site, seconds: float,
                stop: threading.Event) -> tuple[list[Client], float]:
    """Sign everyone in, start them together, and wait until the last one is done."""
    clients = [Client(server.url, account, site, number)
               for number, account in enumerate(site.accounts)]
    for client in clients:
        client.sign_in()
    start, deadline = threading.Event(), [0.0]
    threads = [threading.Thread(target=client.run, args=(start, deadline, stop), daemon=True)
               for client in clients]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    deadline[0] = began + seconds
    start.set()
    for thread in threads:
        while thread.is_alive():  # a join with a timeout, so Ctrl-C is noticed at once
            thread.join(0.5)
    return clients, time.monotonic() - began


def figures_for(samples: list[Sample], elapsed: float) -> dict:
    """Per kind: count, rate, p50/p95/p99 (ms), answers outside 2xx/3xx, 5xx, no answer."""
    figures = {}
    for kind in (*KINDS, "all"):
        chosen = [s for s in samples if kind in ("all", s.kind)]
        if not chosen:
            continue
        bad = [s for s in chosen if not 200 <= s.status < 400 and not s.expected]
        figures[kind] = {
            "requests": len(chosen), "per_s": round(len(chosen) / elapsed, 1),
            **percentiles([s.seconds for s in chosen]),
            "not_2xx_3xx": len(bad), "5xx": sum(s.status >= 500 for s in chosen),
            "no_answer": sum(s.status == 0 for s in chosen),
            "warned": sum(s.expected for s in chosen)}
    return figures


def by_label(samples: list[Sample]) -> dict[str, dict]:
    labels: dict[str, list[Sample]] = {}
    for sample in samples:
        labels.setdefault(f"{sample.kind}/{sample.label}", []).append(sample)
    return {label: {"n": len(chosen), **percentiles([s.seconds for s in chosen]),
                    "statuses": sorted({s.status for s in chosen})}
            for label, chosen in sorted(labels.items())}


def print_figures(figures: dict, labels: dict, elapsed: float, clients: int) -> None:
    print(f"\n{figures['all']['requests']} requests from {clients} clients in {elapsed:.1f} s: "
          f"{figures['all']['per_s']} requests/s")
    print(f"{'kind':8} {'requests':>9} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
          f" {'not 2xx/3xx':>12} {'5xx':>5}")
    for kind, row in figures.items():
        print(f"{kind:8} {row['requests']:>9} {row['per_s']:>7} {row['p50']:>8} {row['p95']:>8}"
              f" {row['p99']:>8} {row['not_2xx_3xx']:>12} {row['5xx']:>5}")
    print("by page and query kind (p50 / p95 ms, statuses seen):")
    for label, row in labels.items():
        print(f"  {label:22} {row['n']:>6}  {row['p50']:>8} / {row['p95']:<8} {row['statuses']}")


def print_trouble(server: Server, clients: list[Client]) -> None:
    """The server's tracebacks and the requests that got no answer, for whoever fixes them."""
    blocks = server.trouble()
    failures = [failure for client in clients for failure in client.failures]
    if blocks:
        print(f"\nThe server log ({server.log_path.name}) shows {len(blocks)} problem(s); "
              "the first three:")
        for block in blocks[:3]:
            print("-" * 72 + "\n" + block)
    if failures:
        print(f"\n{len(failures)} request(s) got no answer, e.g.: {failures[:3]}")


def verdicts_after(clients: list[Client], figures: dict, before: dict,
                   server: Server) -> list[Verdict]:
    """Wait for the indexer (the server still runs), stop the server, then check."""
    facts, waited = wait_for_indexer(timeout=300)
    print(f"\nindexer caught up {waited:.1f} s after the last request "
          f"(backlog {facts.backlog}, {facts.index_documents} documents)")
    server.stop()
    sent = [submission for client in clients for submission in client.submissions]
    found = new_items(before)
    unclean = figures["all"]["5xx"] + figures["all"]["no_answer"] + len(server.trouble())
    return [Verdict("zero 5xx", unclean == 0,
                    f"{figures['all']['5xx']} 5xx, {figures['all']['no_answer']} without "
                    f"answer, {len(server.trouble())} problem(s) in the server log"),
            check_database(sent, found), check_index(found, facts)]


def measure(server: Server, site: Site, args: argparse.Namespace,
            stop: threading.Event) -> tuple[list[Client], dict]:
    """Run the clients and print what they saw, with the machine's conditions."""
    print(f"serving {server.url} with {args.workers} workers and the indexer on "
          f"{db.engine.url.get_backend_name()}; "
          f"{args.clients} clients for {args.seconds:g} s")
    load_before, cpu_before = os.getloadavg()[0], time.process_time()
    clients, elapsed = run_clients(server, site, args.seconds, stop)
    samples = [sample for client in clients for sample in client.samples]
    figures, labels = figures_for(samples, elapsed), by_label(samples)
    print_figures(figures, labels, elapsed, args.clients)
    print(f"machine: {os.cpu_count()} cores, load average {load_before:.1f} before and "
          f"{os.getloadavg()[0]:.1f} after; the clients themselves used "
          f"{time.process_time() - cpu_before:.1f} s of CPU")
    return clients, {"figures": figures, "by_label": labels}


def load_test(args: argparse.Namespace, folder: Path, stop: threading.Event) -> bool:
    """Everything between a built instance and the verdicts; True when all pass."""
    site = describe_site(args.clients)
    before = last_ids()
    db.session.remove()
    server = Server(folder, args.workers, db.engine.url.render_as_string(hide_password=False))
    try:
        server.start()
        clients, report = measure(server, site, args, stop)
        verdicts = verdicts_after(clients, report["figures"], before, server)
    finally:
        stop.set()
        server.stop()
        if args.log:
            shutil.copy(server.log_path, args.log)
    print_trouble(server, clients)
    print("\n" + "\n".join(verdict.line() for verdict in verdicts))
    if args.json:
        print(json.dumps({**report, "verdicts": [
            {"name": v.name, "passed": v.passed, "detail": v.detail} for v in verdicts]}))
    return all(verdict.passed for verdict in verdicts)


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def main() -> None:
    args = parse_args()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGHUP):  # `kill`, a closed terminal: as Ctrl-C
        signal.signal(signum, _interrupt)
    try:
        with tempfile.TemporaryDirectory(prefix="casusbank-load-") as scratch:
            content = content_folder(Path(scratch), args.corpus)
            with temporary_casusbank(content, args.database_server) as (_app, folder):
                if args.corpus:
                    print(f"loaded {load_corpus(args.corpus, args.docs)} articles", flush=True)
                passed = load_test(args, folder, stop)
    except KeyboardInterrupt:
        stop.set()
        print("\ninterrupted: server stopped, temporary folder (and database) removed",
              file=sys.stderr)
        sys.exit(130)
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
