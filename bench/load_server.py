"""`flask serve` (gunicorn and the indexer) against a throw-away instance, its output in
a log file in the instance's folder, and what that log says went wrong."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from app.config import PROJECT_DIR

# Lines of gunicorn's, Flask's and the indexer's output that mean something went wrong.
TROUBLE = ("Traceback", "[ERROR]", "[CRITICAL]", "WORKER TIMEOUT", "indexing failed",
           "Exception on ")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """The site as `make run` serves it (app/cli.py serve_command): gunicorn with
    `workers` workers on a free loopback port, plus `flask search worker`."""

    def __init__(self, folder: Path, workers: int, database_url: str):
        self.folder = folder
        self.workers = workers
        self.database_url = database_url  # the bench's own, so that the checks read it
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / "server.log"
        self.process: subprocess.Popen | None = None

    def environment(self) -> dict[str, str]:
        """The instance's settings (app/config.py), whatever the caller's shell has set."""
        return {**os.environ,
                "DATABASE_URL": self.database_url,
                "SEARCH_INDEX_DIR": str(self.folder / "index"),
                "SECRET_KEY": "bench", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                # Every client signs in from the same address.
                "SIGN_IN_RATE_LIMIT": "10000 per minute",
                "TRUSTED_HOSTS": "", "SESSION_COOKIE_SECURE": "0", "FLASK_DEBUG": "0"}

    def start(self, timeout: float = 60.0) -> None:
        """Start, and return once the front page answers."""
        with open(self.log_path, "ab") as log:
            # A session of its own: Ctrl-C in the terminal reaches the bench, which then
            # stops the server in order, rather than every process at once.
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "app", "serve",
                 "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers)],
                cwd=PROJECT_DIR, env=self.environment(), stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped at start-up:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise RuntimeError(f"the server did not answer within {timeout} s:\n{self.log_tail()}")

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM to `flask serve`, which stops gunicorn and the indexer and waits for
        them; only if that hangs, SIGKILL to the process group this bench started."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_lines()[-lines:])

    def log_lines(self) -> list[str]:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            return []

    def trouble(self) -> list[str]:
        """Each block of the log that starts at a line of trouble (up to 30 lines)."""
        lines, blocks = self.log_lines(), []
        for number, line in enumerate(lines):
            if any(mark in line for mark in TROUBLE) and not (
                    blocks and number < blocks[-1][0] + 30):
                blocks.append((number, "\n".join(lines[number:number + 30])))
        return [block for _number, block in blocks]
