"""`flask search …`: keep the search index in step with the database, and watch the index
nodes that share its change log."""
from __future__ import annotations

import logging
import signal
import threading
import time

import click
from flask import current_app
from flask.cli import AppGroup

from app.indexer import nodes as index_nodes
from app.indexer import search_log, worker
from app.indexer.handle import note_if_damaged, search_index
from app.indexer.status import status

search_cli = AppGroup("search", help="Keep the search index in step with the database.")


@search_cli.command("sync")
def sync_command():
    """Apply the change log to the index once (builds the index first if it is missing)."""
    index = search_index()
    if note_if_damaged(index):
        click.echo(f"the search index is damaged ({index.damage()}): building a new one")
    elif not index.is_usable():
        click.echo("no usable search index yet: building one")
    applied = worker.sync(index, current_app.config["INDEXER_BATCH_SIZE"])
    click.echo(f"applied {applied} change(s); the index holds {index.document_count()} "
               "document(s) and is up to date")


@search_cli.command("rebuild")
@click.option("--procs", type=int, help="Writer processes (default: SEARCH_REBUILD_PROCS "
              "from 5,000 items up, one below that).")
def rebuild_command(procs):
    """Build a fresh index aside and swap it in; edits made meanwhile are replayed."""
    started = time.perf_counter()
    index = search_index()
    version = worker.rebuild(index, procs=procs)
    applied = worker.sync(index)
    click.echo(f"rebuilt {version} in {time.perf_counter() - started:.1f} s; "
               f"then applied {applied} change(s)")


@search_cli.command("status")
def status_command():
    """The index's state (reads all of it), documents in the database and the index,
    the backlog, the index size, and every index node sharing the change log."""
    facts = status(search_index())
    click.echo(f"index state:         {facts.state}")
    click.echo(f"index usable:        {'yes' if facts.usable else 'no'}")
    click.echo(f"items in database:   {facts.database_items}")
    click.echo(f"documents in index:  {facts.index_documents}")
    click.echo(f"last change id:      {facts.last_change}")
    click.echo(f"applied through id:  {facts.applied_through}")
    click.echo(f"backlog:             {facts.backlog} change(s)")
    click.echo(f"index size:          {facts.size_bytes} bytes")
    if facts.state not in ("ok", "rebuilding"):
        click.echo("search shows a notice instead of results until the index is rebuilt: the "
                   "indexer does that by itself, or run `flask search sync`")
    click.echo(f"log pruned through:  {index_nodes.pruned_through()}")
    for node in index_nodes.node_states(facts.last_change):
        this = " (this node)" if node.name == index_nodes.node_name() else ""
        stale = " STALE: holds no pruning back, rebuilds when back" if node.stale else ""
        key = (" OTHER SECRET_KEY than this node: sessions and forms break between them"
               if node.same_key is False else "")
        click.echo(f"node {node.name}{this}: applied through {node.applied_through}, "
                   f"backlog {node.backlog}, seen {_ago(node.seen_seconds)} ago{stale}{key}")


def _ago(seconds: float) -> str:
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit}"
    return f"{max(seconds, 0):.0f} s"


@search_cli.command("prune")
@click.option("--stale-hours", type=float,
              help="Ignore nodes silent for longer (default: INDEX_NODE_STALE_HOURS).")
def prune_command(stale_hours):
    """Delete the change-log rows every index node has applied (nodes silent for longer
    than the staleness window are not waited for; they rebuild when they come back), and
    the search log's counts older than SEARCH_LOG_DAYS and salts of past days."""
    click.echo(index_nodes.prune_change_log(stale_hours).summary())
    click.echo(search_log.prune_search_log().summary())


@search_cli.command("forget")
@click.argument("name")
@click.option("--force", is_flag=True,
              help="Also when the node was seen within the last minute (just stopped).")
def forget_command(name, force):
    """Take the index node NAME, gone for good, off the list: pruning stops waiting for it
    at once. Should it come back, its indexer registers it again."""
    try:
        forgotten = index_nodes.forget(name, force=force)
    except index_nodes.NodeStillRunning as running:
        raise click.ClickException(str(running)) from None
    if not forgotten:
        known = ", ".join(index_nodes.node_names()) or "none"
        raise click.ClickException(f"there is no index node {name!r} (known: {known})")
    click.echo(f"index node {name} forgotten; the change log is no longer kept for it")


def stop_on_signals(stop: threading.Event) -> None:
    """Ctrl-C and a service manager's SIGTERM set `stop` instead of raising: the indexer
    then ends between rounds, not halfway through a batch, and `flask serve` stops both
    of its processes itself."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())


@search_cli.command("worker")
def worker_command():
    """Follow the change log and keep the index current: the index's only writer."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s indexer %(message)s")
    stop = threading.Event()
    stop_on_signals(stop)
    settings = worker.WorkerSettings(
        poll_seconds=current_app.config["INDEXER_POLL_SECONDS"],
        batch_size=current_app.config["INDEXER_BATCH_SIZE"],
        prune_seconds=current_app.config["INDEX_PRUNE_MINUTES"] * 60,
    )
    click.echo("indexer running; Ctrl-C stops it")
    worker.run_worker(search_index(), settings, stop)
