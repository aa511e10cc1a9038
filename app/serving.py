"""`flask serve`: the web server and the processes that work beside it, kept running.

The web server (gunicorn) is what people reach; the indexer (and, later, the mail
worker) only works off what the web wrote to the database. So a companion that dies —
killed by the out-of-memory killer, a bug, a lost database connection — must never take
the site down with it: the web keeps serving and writing to the change log, and the
companion is started again, after 1 s, then 2, 4 … up to a minute while it keeps dying
at once, so that a companion that cannot start does not burn a core. Its backlog waits
in the database meanwhile and is worked off when it is back.

The web server itself is not restarted: gunicorn's master already replaces workers that
die, and a master that exits (its port taken, a broken configuration) has a reason an
operator must see.
"""
from __future__ import annotations

import subprocess  # nosec B404  # our own processes, started from fixed argv lists
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

FIRST_PAUSE = 1.0
LONGEST_PAUSE = 60.0
STEADY_AFTER = 60.0   # a companion that ran this long starts again after FIRST_PAUSE
POLL = 0.2


def announce(message: str) -> None:
    """A line in the server's log (standard error, beside gunicorn's own lines)."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S %z")
    print(f"[{stamp}] [serve] {message}", file=sys.stderr, flush=True)


@dataclass
class Companion:
    """A process beside the web server, started again whenever it stops."""

    name: str
    argv: list[str]
    log: Callable[[str], None] = field(default=announce, repr=False)
    popen: Callable[[list[str]], subprocess.Popen] = field(default=subprocess.Popen,
                                                           repr=False)
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restart_at: float | None = None   # when it is to be started again, once it died
    pause: float = FIRST_PAUSE
    restarts: int = 0

    def start(self, now: float) -> None:
        """A failed start (no memory or processes left, just after the out-of-memory
        killer struck) counts as a stop: it is tried again after the pause."""
        self.started_at, self.restart_at = now, None
        try:
            self.process = self.popen(self.argv)   # a fixed argv list, no shell
        except OSError as error:
            self.process = None
            self.log(f"{self.name} could not be started ({error})")

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def look_after(self, now: float) -> None:
        """Start again when due; when it just stopped, say so and decide when."""
        if self.running():
            return
        if self.restart_at is None:
            if now - self.started_at >= STEADY_AFTER:   # it had run well: start afresh
                self.pause = FIRST_PAUSE
            code = self.process.returncode if self.process else "none, it did not start"
            self.log(f"{self.name} stopped (exit code {code}); starting it again in "
                     f"{self.pause:.0f} s; the site keeps serving meanwhile")
            self.restart_at = now + self.pause
            self.pause = min(self.pause * 2, LONGEST_PAUSE)
        elif now >= self.restart_at:
            self.restarts += 1
            self.start(now)
            self.log(f"{self.name} started again (restart {self.restarts})")

    def stop(self) -> None:
        """SIGTERM: the indexer finishes its batch and ends (indexer/cli.py, stop_on_signals)."""
        if self.running():
            self.process.terminate()

    def wait(self) -> None:
        if self.process is not None:
            self.process.wait()


def supervise(web: subprocess.Popen, companions: list[Companion],
              stop: threading.Event) -> int | None:
    """Keep `companions` running until `stop` is set or the web server ends; then stop
    them all and wait for them, also when something here fails. Returns the web
    server's exit code when it ended by itself, None after a stop."""
    try:
        for companion in companions:
            companion.start(time.monotonic())
        while not stop.is_set() and web.poll() is None:
            for companion in companions:
                companion.look_after(time.monotonic())
            stop.wait(POLL)
        ended_by_itself = web.poll() is not None and not stop.is_set()
    finally:
        _stop_all(web, companions)
    return web.returncode if ended_by_itself else None


def _stop_all(web: subprocess.Popen, companions: list[Companion]) -> None:
    for companion in companions:
        companion.stop()
    if web.poll() is None:
        web.terminate()
    web.wait()
    for companion in companions:
        companion.wait()
