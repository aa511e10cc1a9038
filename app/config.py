"""Every setting, read from the environment once at start-up; each has one comment.

Relative paths are taken from the project folder (the one holding `app/`), so that
`make run` works from any working directory.
"""
from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy.engine import make_url

PROJECT_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY_FILE = "secret_key"  # nosec B105  # a file name; the key is generated into instance/


def _path(value: str) -> str:
    path = Path(value)
    return str(path if path.is_absolute() else PROJECT_DIR / path)


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _hosts(value: str) -> list[str] | None:
    hosts = [host.strip() for host in value.split(",") if host.strip()]
    return hosts or None


def settings_from_environment(env: Mapping[str, str], instance_path: str) -> dict:
    default_db = f"sqlite:///{Path(instance_path) / 'casusbank.sqlite'}"
    return {
        # Any SQLAlchemy URL; a SQLite file in the instance folder when unset.
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL") or default_db,
        # How long a write waits for another writer's lock (SQLite's busy timeout,
        # PostgreSQL's lock_timeout) before it gives up: a 503 page showing what they typed.
        "DATABASE_BUSY_TIMEOUT_MS": int(env.get("DATABASE_BUSY_TIMEOUT_MS", 15_000)),
        # The Whoosh index folder; each node of a cluster has its own.
        "SEARCH_INDEX_DIR": _path(env.get("SEARCH_INDEX_DIR", "search_index")),
        # Where `flask content import` reads from when no folder is given.
        "CONTENT_DIR": _path(env.get("CONTENT_DIR", "content")),
        # Signs sessions and CSRF tokens; the same on every node. When unset: generated once
        # into the instance folder with SQLite, refused at start with a database server.
        "SECRET_KEY": env.get("SECRET_KEY") or None,
        # Requests larger than this many bytes are refused with 413 before they are read.
        "MAX_CONTENT_LENGTH": int(env.get("MAX_REQUEST_BYTES", 1_000_000)),
        # How passwords are hashed (werkzeug's notation); slower is safer.
        "PASSWORD_HASH_METHOD": env.get("PASSWORD_HASH_METHOD", "scrypt"),
        # Mark the session cookie Secure always; when 0, only on requests that came over HTTPS.
        "SESSION_COOKIE_SECURE": _flag(env.get("SESSION_COOKIE_SECURE", "0")),
        # Host names the site answers to, comma-separated (".example.nl" allows its
        # subdomains); others get 400, so a forged Host cannot end up in links or feed ids.
        # Empty: any host, as on a laptop.
        "TRUSTED_HOSTS": _hosts(env.get("TRUSTED_HOSTS", "")),
        # Proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0: none).
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", 0)),
        # A signed-in session ends after this many hours without a request.
        "PERMANENT_SESSION_LIFETIME": timedelta(
            hours=float(env.get("SESSION_LIFETIME_HOURS", 8))),
        # Failed sign-ins allowed per client address before 429 (Flask-Limiter notation).
        "SIGN_IN_RATE_LIMIT": env.get("SIGN_IN_RATE_LIMIT", "10 per 15 minutes"),
        # Requests per API caller (token, else address) before 429 (Flask-Limiter notation).
        "API_RATE_LIMIT": env.get("API_RATE_LIMIT", "600 per minute"),
        # Where rate limits count: memory:// per process (a warning at start with a database
        # server), redis://host:port/db shared by every process and node.
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Writer processes for a full rebuild of the search index (one per core is right).
        "SEARCH_REBUILD_PROCS": int(env.get("SEARCH_REBUILD_PROCS", 2)),
        # Megabytes each rebuild writer may buffer before it spills to disk and merges.
        "SEARCH_REBUILD_MEMORY_MB": int(env.get("SEARCH_REBUILD_MEMORY_MB", 1024)),
        # Seconds the indexer sleeps when the change log has nothing new.
        "INDEXER_POLL_SECONDS": float(env.get("INDEXER_POLL_SECONDS", 0.5)),
        # Change-log rows the indexer applies per Whoosh commit.
        "INDEXER_BATCH_SIZE": int(env.get("INDEXER_BATCH_SIZE", 500)),
        # This node's name among the index nodes sharing the database; unique per node.
        "INDEX_NODE_NAME": env.get("INDEX_NODE_NAME") or socket.gethostname(),
        # A node not seen for this many hours no longer holds back change-log pruning.
        "INDEX_NODE_STALE_HOURS": float(env.get("INDEX_NODE_STALE_HOURS", 24)),
        # Minutes between the indexer's prunes of the change log (0: only by hand).
        "INDEX_PRUNE_MINUTES": float(env.get("INDEX_PRUNE_MINUTES", 10)),
        # Days the counts of searches that found little are kept for the editors (the
        # indexer's pruning deletes older ones); 0: nothing is recorded.
        "SEARCH_LOG_DAYS": int(env.get("SEARCH_LOG_DAYS", 90)),
        # Address and number of gunicorn workers for `flask serve` (and so `make run`).
        "SERVE_BIND": env.get("SERVE_BIND", "127.0.0.1:5000"),
        "SERVE_WORKERS": int(env.get("SERVE_WORKERS", 2)),
        # Fixed, not configurable: cookies are not readable by scripts and not sent cross-site;
        # a CSRF token lives as long as the session, so a long form is never lost to a timer.
        "SESSION_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        # Fixed: rate limiting on (always set: the one limiter would keep an earlier app's
        # choice; tests override it) and a 429 with Retry-After.
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        # Fixed: when Redis cannot be reached, each process counts in memory with the same
        # limits (weaker across nodes, but no 500 and never no limit at all) and tries
        # Redis again after a pause that doubles up to about half a minute.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Fixed: a Redis that stops answering (a network split drops packets) counts as down
        # after a second, instead of holding the request until gunicorn kills the worker.
        # memory:// ignores these.
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }


NO_SHARED_SIGNING_KEY = (
    "SECRET_KEY is not set, and the database is a server that several nodes may share. "
    "Every node must sign sessions and CSRF tokens with the same key: a key generated on "
    "this machine alone would sign people out, and refuse their forms, whenever the load "
    "balancer sends them to another node. Set SECRET_KEY to one random value on every "
    "node, for example the output of: python -c 'import secrets; print(secrets.token_hex(32))'")
PER_PROCESS_LIMITS = (
    "RATELIMIT_STORAGE_URI is memory:// with a database server: failed sign-ins and API "
    "requests are counted per process, so with several workers or nodes the limits allow "
    "that many times more. Set RATELIMIT_STORAGE_URI=redis://host:6379/0 (one Redis that "
    "every node reaches) to count them once.")


class MissingSharedSetting(RuntimeError):
    """A setting the nodes of a cluster must share is missing: raised at start, so that a
    node does not come up and quietly disagree with the others."""


def on_a_database_server(database_url: str) -> bool:
    """A database server (not a SQLite file) is what several nodes can share, so it is
    what tells a cluster apart from one machine; SQLite is one machine by nature."""
    return make_url(database_url).get_backend_name() != "sqlite"


def _instance_secret_key(instance_path: str) -> str:
    """A random key made on first start and kept, so sessions survive a restart.

    Written aside and hard-linked into place, so that two workers starting at once
    both end up reading the one complete key.
    """
    key_file = Path(instance_path) / SECRET_KEY_FILE
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        draft = key_file.with_name(f"{SECRET_KEY_FILE}.{os.getpid()}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(draft, key_file)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return key_file.read_text().strip()


def configure(app: Flask, overrides: Mapping | None = None) -> None:
    """Environment first, then `overrides` (tests pass theirs to create_app).

    With a database server the app may be one node of several behind a load balancer:
    a missing SECRET_KEY then stops the start (each node would make its own), and
    per-process rate limits are logged as a warning (they still limit, only more loosely).
    """
    app.config.update(settings_from_environment(os.environ, app.instance_path))
    app.config.update(overrides or {})
    shared_database = on_a_database_server(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config["SECRET_KEY"]:
        if shared_database:
            raise MissingSharedSetting(NO_SHARED_SIGNING_KEY)
        app.config["SECRET_KEY"] = _instance_secret_key(app.instance_path)
    if shared_database and app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        app.logger.warning(PER_PROCESS_LIMITS)
