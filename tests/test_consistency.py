"""The index never lies: writers change the same cases through two web processes while
the indexer follows; once it has caught up, no search path of either process finds a
case by a word it no longer holds, misses one by a word it holds now, or counts or
shows a case whose readers were narrowed. The harness is bench/consistency.py, which
runs the long version (minutes, the indexer killed now and then)."""
from __future__ import annotations

import pytest

from app.indexer import worker as index_worker
from app.indexer.handle import search_index
from bench import consistency
from bench.consistency_cluster import Cluster, site_environment

pytestmark = pytest.mark.slow


def test_no_search_path_shows_an_old_version_or_a_narrowed_case(app, tmp_path):
    with app.app_context():
        run = consistency.prepare(items=6)
        index_worker.sync(search_index())
        environment = site_environment(app.config["SQLALCHEMY_DATABASE_URI"],
                                       tmp_path / "index")
        cluster = Cluster(environment, tmp_path)
        cluster.start()
        try:
            consistency.exercise(run, cluster, writers=3, seconds=4)
            narrowed = consistency.settle(run, cluster.urls[1], narrowed=2)
            consistency.wait_until_indexed()
            problems = consistency.verify(run, cluster, narrowed)
        finally:
            cluster.stop()
    assert run.writes > 20 and not run.refused, (run.writes, run.refused, cluster.logs())
    assert not problems, "\n".join(problems[:25])
