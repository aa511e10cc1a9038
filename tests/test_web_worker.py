"""The web worker's start-up objects are left out of garbage collection (app.web_worker);
tests/test_serve.py sees gunicorn run the hook in a worker of `flask serve`."""
import gc
import weakref

import pytest

from app import web_worker


@pytest.fixture
def unfrozen():
    yield
    gc.unfreeze()   # give this test process its collector back


def test_freezing_collects_first_then_exempts_everything_alive(unfrozen):
    class Cycle:
        pass
    garbage, kept = Cycle(), Cycle()
    garbage.self = garbage        # only the cyclic collector can free it
    gone = weakref.ref(garbage)
    del garbage
    assert gone() is not None
    web_worker.freeze_startup_objects()
    assert gone() is None         # collected, not frozen for good
    frozen = gc.get_freeze_count()
    assert frozen > 1000
    assert not any(o is kept for o in gc.get_objects())   # no longer walked
    assert len(gc.get_objects()) < frozen
