"""What `flask serve` tells gunicorn about its web workers (passed as its configuration
file, so that gunicorn's master does not import the site; it imports nothing of it).

A worker holds two kinds of long-lived objects: what importing Flask, SQLAlchemy and the
site made (about 120,000 objects the garbage collector can walk: functions, classes,
dicts), and the search caches built as people search. Python's cyclic garbage collector
walks all of them at each full collection: 60 ms for the first kind alone on a 2-core
machine, and at 50,000 articles a full collection during a search cost that search
about 110 ms (the search benchmark's p99). The first kind lives as long as the worker,
so once the worker has loaded the site those objects are moved out of the collector's
sight.
"""
from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Collect what starting up left behind, then exempt every object alive now from
    later collections. Such objects are still freed by reference counting when dropped;
    only a cycle among them would outlive its use, and what a process makes while it
    starts up is there for as long as the process lives."""
    gc.collect()
    gc.freeze()


def post_worker_init(worker) -> None:   # gunicorn's hook: the worker has loaded the site
    freeze_startup_objects()
    worker.log.info("Worker %s: %d objects of its start-up exempt from garbage collection",
                    worker.pid, gc.get_freeze_count())
