"""How `flask serve` looks after the indexer (app/serving.py), on a clock and processes of
the test's own; tests/test_serve.py kills a real indexer under a real `flask serve`."""
from __future__ import annotations

import threading

import pytest

from app import serving
from app.serving import FIRST_PAUSE, STEADY_AFTER, Companion


class Process:
    """Stands in for a Popen: running until `end` is called."""

    def __init__(self, argv=()):
        self.returncode = None
        self.terminated = False

    def poll(self):
        return self.returncode

    def end(self, code: int = -9) -> None:
        self.returncode = code

    def terminate(self) -> None:
        self.terminated = True
        self.end(0)

    def wait(self):
        return self.returncode


class Starts:
    """A popen that hands out Processes, or fails while `failing`."""

    def __init__(self):
        self.made: list[Process] = []
        self.failing = False

    def __call__(self, argv):
        if self.failing:
            raise OSError(12, "Cannot allocate memory")
        self.made.append(Process(argv))
        return self.made[-1]


@pytest.fixture
def indexer():
    lines: list[str] = []
    companion = Companion("indexer", ["worker"], log=lines.append, popen=Starts())
    companion.lines = lines
    return companion


def _pauses_while_dying_at_once(companion: Companion, deaths: int) -> list[float]:
    """Let it die right after each start; the pauses it waits before each new start."""
    now, pauses = 0.0, []
    companion.start(now)
    for _ in range(deaths):
        companion.popen.made[-1].end()
        companion.look_after(now)
        pauses.append(companion.restart_at - now)
        now = companion.restart_at
        companion.look_after(now)
    return pauses


def test_an_indexer_that_keeps_dying_at_once_is_started_ever_less_often(indexer):
    assert _pauses_while_dying_at_once(indexer, 9) == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert len(indexer.popen.made) == 10 and indexer.restarts == 9
    assert indexer.lines[:2] == [
        "indexer stopped (exit code -9); starting it again in 1 s; the site keeps "
        "serving meanwhile", "indexer started again (restart 1)"]


def test_it_waits_before_starting_again_not_after(indexer):
    indexer.start(0.0)
    indexer.popen.made[-1].end()
    indexer.look_after(0.0)
    indexer.look_after(FIRST_PAUSE - 0.1)
    assert len(indexer.popen.made) == 1
    indexer.look_after(FIRST_PAUSE)
    assert len(indexer.popen.made) == 2 and indexer.running()


def test_one_that_ran_for_a_while_is_started_again_after_the_first_pause(indexer):
    _pauses_while_dying_at_once(indexer, 5)
    ran_from = indexer.started_at
    indexer.popen.made[-1].end()
    indexer.look_after(ran_from + STEADY_AFTER)
    assert indexer.restart_at == ran_from + STEADY_AFTER + FIRST_PAUSE


def test_a_failed_start_is_tried_again_with_the_same_pauses(indexer):
    indexer.popen.failing = True
    assert _pauses_while_dying_at_once_failing(indexer, 3) == [1, 2, 4]
    assert "indexer could not be started ([Errno 12] Cannot allocate memory)" in indexer.lines
    assert "exit code none, it did not start" in indexer.lines[1]
    indexer.popen.failing = False
    indexer.look_after(100.0)                   # notices the last failed start
    indexer.look_after(indexer.restart_at)
    assert indexer.running()


def _pauses_while_dying_at_once_failing(companion: Companion, tries: int) -> list[float]:
    now, pauses = 0.0, []
    companion.start(now)
    for _ in range(tries):
        companion.look_after(now)          # notices it is not running: when to try again
        pauses.append(companion.restart_at - now)
        now = companion.restart_at
        companion.look_after(now)          # tries, and fails again
    return pauses


def test_when_the_web_server_ends_its_code_is_returned_and_the_indexer_stopped(
        indexer, monkeypatch):
    monkeypatch.setattr(serving, "POLL", 0.01)
    web, stop = Process(), threading.Event()
    threading.Timer(0.05, web.end, args=(3,)).start()
    assert serving.supervise(web, [indexer], stop) == 3
    assert indexer.popen.made[-1].terminated


def test_after_a_stop_everything_is_stopped_and_nothing_is_returned(indexer, monkeypatch):
    monkeypatch.setattr(serving, "POLL", 0.01)
    web, stop = Process(), threading.Event()
    threading.Timer(0.05, stop.set).start()
    assert serving.supervise(web, [indexer], stop) is None
    assert web.terminated and indexer.popen.made[-1].terminated


def test_a_failure_of_the_supervisor_still_stops_the_web_server(indexer, monkeypatch):
    web = Process()
    monkeypatch.setattr(indexer, "look_after", lambda now: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        serving.supervise(web, [indexer], threading.Event())
    assert web.terminated and indexer.popen.made[-1].terminated
