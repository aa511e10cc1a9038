"""The processes of a running site, apart: one indexer and several web processes (each a
gunicorn with one worker, so that a request can be sent to the process one wants), on a
database and an index folder of the caller's."""
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def site_environment(database_url: str, index_dir: Path, **extra: str) -> dict[str, str]:
    """The settings every process of the site shares (app/config.py)."""
    return {**os.environ, "DATABASE_URL": database_url, "SEARCH_INDEX_DIR": str(index_dir),
            "SECRET_KEY": "consistency", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "API_RATE_LIMIT": "1000000 per minute", "TRUSTED_HOSTS": "",
            "INDEXER_POLL_SECONDS": "0.05", "FLASK_DEBUG": "0", **extra}


class Cluster:
    def __init__(self, environment: dict[str, str], folder: Path, web_processes: int = 2):
        self.environment = environment
        self.folder = folder
        self.ports = [free_port() for _ in range(web_processes)]
        self.urls = [f"http://127.0.0.1:{port}" for port in self.ports]
        self.indexer: subprocess.Popen | None = None
        self.web: list[subprocess.Popen] = []
        self.indexer_starts = 0

    def _start(self, argv: list[str], log_name: str) -> subprocess.Popen:
        with open(self.folder / log_name, "ab") as log:
            return subprocess.Popen([sys.executable, "-m", *argv], cwd=PROJECT_DIR,
                                    env=self.environment, stdout=log,
                                    stderr=subprocess.STDOUT)

    def start(self, timeout: float = 60.0) -> None:
        self.start_indexer()
        for port in self.ports:
            self.web.append(self._start(
                ["gunicorn", "--no-control-socket", "--workers", "1",
                 "--bind", f"127.0.0.1:{port}", "app:create_app()"], f"web-{port}.log"))
        for url, process in zip(self.urls, self.web, strict=True):
            _wait_for(url, process, timeout)

    def start_indexer(self) -> None:
        self.indexer_starts += 1
        self.indexer = self._start(["flask", "--app", "app", "search", "worker"], "indexer.log")

    def kill_indexer(self) -> None:
        """SIGKILL, as the out-of-memory killer or a power cut would: no clean-up at all."""
        if self.indexer is not None and self.indexer.poll() is None:
            self.indexer.send_signal(signal.SIGKILL)
            self.indexer.wait()

    def stop(self) -> None:
        for process in [self.indexer, *self.web]:
            if process is not None and process.poll() is None:
                process.terminate()
        for process in [self.indexer, *self.web]:
            if process is not None:
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

    def logs(self) -> str:
        return "\n".join(f"== {path.name}\n{path.read_text(errors='replace')[-3000:]}"
                         for path in sorted(self.folder.glob("*.log")))


def _wait_for(url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the web process stopped at start-up")
        try:
            with urllib.request.urlopen(url + "/api/v1/roles", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")
