"""`flask backup DIR` and `flask restore DIR`: database, search index and a readable export.

A backup folder holds:

    manifest.json      when, app version, Alembic revision, rows per table, the last
                       change-log id in the database copy, a checksum, any warnings
    casusbank.sqlite   the database, copied with SQLite's online backup API: one
                       consistent snapshot, taken while the app keeps reading and writing;
                       without the signed-in sessions and the search log
                       (NOT_BACKED_UP)
    index/             the current index version, copied under its write lock
    content/           a content export (`flask content import` reads it), private items
                       included: the folder holds them anyway, in the database copy

The database copy is the authority; the export is there to be read by people and other
programs, and is taken a moment later. The index is copied *before* the database, so its
progress mark is at most the copy's last change-log id: after a restore, one sync
replays the changes made in between and the index matches the database again.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tomllib
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import func, inspect, select, table

from app.config import PROJECT_DIR
from app.extensions import db
from app.indexer import copies
from app.services.exchange.content_export import ExportFailed, export_content

FORMAT = "casusbank-backup/1"
MANIFEST = "manifest.json"
DATABASE_FILE = "casusbank.sqlite"
INDEX_FOLDER = "index"
CONTENT_FOLDER = "content"
# Tables whose rows a backup leaves out on purpose (see _leave_out_sessions).
NOT_BACKED_UP = frozenset({"sign_ins", "missed_searches", "search_log_salts"})
PG_DUMP_ADVICE = ("the database is not SQLite; back up PostgreSQL with its own tools, "
                  "e.g. `pg_dump --format=custom --exclude-table-data=sign_ins "
                  "--exclude-table-data=missed_searches --exclude-table-data=search_log_salts "
                  "--file=casusbank.dump DATABASE_URL`, and "
                  "restore with pg_restore, then run `flask search rebuild`")


class BackupRefused(Exception):
    """Nothing was written; the message says why and what to do."""


@dataclass
class BackupReport:
    directory: Path
    manifest: dict
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        tables = self.manifest["database"]["tables"]
        index = self.manifest["index"]
        return (f"backed up to {self.directory}: {sum(tables.values())} rows in "
                f"{len(tables)} tables through change {self.manifest['database']['last_change_id']}"
                f"; index {index['version'] if index else 'not included'}")


def sqlite_file() -> Path:
    """The database file, or BackupRefused when the database is not SQLite."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        raise BackupRefused(PG_DUMP_ADVICE)
    return Path(url.database)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def copy_database(source: Path, target: Path) -> None:
    """SQLite's online backup: the copy is one consistent state, whatever is written
    meanwhile; then made a single self-contained file (no WAL beside it)."""
    with closing(sqlite3.connect(source, timeout=30)) as reader, \
            closing(sqlite3.connect(target)) as copy:
        reader.backup(copy)
        _leave_out_sessions(copy)
        copy.execute("PRAGMA journal_mode = DELETE")


def _leave_out_sessions(copy: sqlite3.Connection) -> None:
    """Signed-in sessions (services/people/sessions.py) stay out of every backup: they are
    personal data kept for hours, a backup is kept for months, and a restored row would
    bring a session back to life that was signed out after the backup. So a restore
    signs everyone out. So does the search log (services/reading/search_log.py): its
    queries are what readers typed, names perhaps, promised to be gone after
    SEARCH_LOG_DAYS, which a backup kept for months would break; a salt kept anywhere
    past its day could make that day's hashes again; and a restore costs the editors
    no more than the counts of a few weeks. secure_delete overwrites what the rows held
    in the file."""
    present = {row[0] for row in copy.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    copy.execute("PRAGMA secure_delete = ON")
    for name in NOT_BACKED_UP & present:
        copy.execute(f'DELETE FROM "{name}"')  # nosec B608  # a name from NOT_BACKED_UP
    copy.commit()


def database_facts(path: Path) -> dict:
    """What the manifest says about a database file: checked, counted, its last change."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        check = connection.execute("PRAGMA integrity_check").fetchone()[0]
        names = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        tables = {}
        for name in names:   # from the file's own catalogue, quoted as an identifier
            quoted = name.replace('"', '""')
            count = f'SELECT count(*) FROM "{quoted}"'  # nosec B608
            tables[name] = connection.execute(count).fetchone()[0]
        last = (connection.execute("SELECT coalesce(max(id), 0) FROM change_log").fetchone()[0]
                if "change_log" in tables else 0)
        revision = (connection.execute("SELECT version_num FROM alembic_version").fetchone()
                    if "alembic_version" in tables else None)
    return {"file": DATABASE_FILE, "integrity_check": check, "tables": tables,
            "last_change_id": last, "alembic_revision": revision[0] if revision else None,
            "bytes": path.stat().st_size, "sha256": sha256(path)}


def _app_version() -> str | None:
    try:
        with (PROJECT_DIR / "pyproject.toml").open("rb") as handle:
            return tomllib.load(handle)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return None


def _copy_index(target: Path, warnings: list[str]) -> dict | None:
    """The current index version, checked after copying; None (restore then rebuilds)
    when there is no sound one to copy."""
    try:
        facts = copies.copy_current(target)
    except copies.NotCopied as why:
        warnings.append(f"search index not included ({why}); restore rebuilds it")
        return None
    return {"folder": INDEX_FOLDER, **facts}


def _export(target: Path, warnings: list[str]) -> dict | None:
    try:
        report = export_content(target, include_private=True)
    except ExportFailed as failed:
        warnings += [f"content export not included: {problem}" for problem in failed.problems]
        return None
    warnings += [f"content export: {warning}" for warning in report.warnings]
    return {"folder": CONTENT_FOLDER, "include_private": True, "counts": dict(report.counts)}


def _empty_target(directory: str | os.PathLike) -> Path:
    target = Path(directory).resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupRefused(f"{target} exists and is not an empty folder; choose a new one")
    return target


def make_backup(directory: str | os.PathLike, *, export: bool = True) -> BackupReport:
    """Write a backup into `directory` (new or empty). It is assembled beside it and
    renamed into place at the end, so a failed backup leaves no half folder there.
    `export=False` leaves out the content export, which takes most of the time (16 s
    of 16.3 at 3,000 cases)."""
    source, target = sqlite_file(), _empty_target(directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f"{target.name}.partial-{os.getpid()}")
    staging.mkdir(mode=0o700)   # it holds password hashes and private items
    warnings: list[str] = []
    try:
        index = _copy_index(staging / INDEX_FOLDER, warnings)   # first: see the docstring
        copy_database(source, staging / DATABASE_FILE)
        manifest = {
            "format": FORMAT, "created_at": datetime.now(timezone.utc).isoformat(),
            "app_version": _app_version(), "database": database_facts(staging / DATABASE_FILE),
            "index": index,
            "content_export": _export(staging / CONTENT_FOLDER, warnings) if export else None,
            "warnings": warnings,
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        if target.exists():
            target.rmdir()
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BackupReport(target, manifest, warnings)


# -- restore ---------------------------------------------------------------------------------

class RestoreRefused(Exception):
    """Nothing was changed; the message says why and what to do."""


@dataclass
class RestoreReport:
    directory: Path
    manifest: dict
    index_version: str
    index_rebuilt: bool
    applied: int

    def summary(self) -> str:
        database = self.manifest["database"]
        how = "rebuilt" if self.index_rebuilt else "restored"
        return (f"restored {sum(database['tables'].values())} rows in {len(database['tables'])} "
                f"tables from {self.directory} (made {self.manifest['created_at']}); search "
                f"index {how} as {self.index_version}, then {self.applied} change(s) applied")


def read_manifest(source: Path) -> dict:
    """The backup's manifest, once the folder is known to be a complete, intact backup."""
    if not source.is_dir():
        raise RestoreRefused(f"no backup at {source}: there is no such folder")
    path = source / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RestoreRefused(f"{source} is not a Casusbank backup: it has no {MANIFEST} "
                             "(`flask backup DIR` makes one)") from None
    except ValueError:
        raise RestoreRefused(f"{path} is not readable JSON; the backup is damaged") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise RestoreRefused(f"{path} is not a manifest this version reads (expected format "
                             f"{FORMAT})")
    database = source / DATABASE_FILE
    if not database.is_file() or sha256(database) != manifest["database"]["sha256"]:
        raise RestoreRefused(f"{database} is missing or differs from the checksum in "
                             f"{MANIFEST}: the backup is damaged; use another one")
    return manifest


def _rows_now() -> int:
    """Rows in this instance's database (0: empty, or not even tables yet)."""
    with db.engine.connect() as connection:
        return sum(connection.execute(select(func.count()).select_from(table(name))).scalar()
                   for name in inspect(connection).get_table_names()
                   if name != "alembic_version")


def _upgrade_schema(manifest: dict) -> None:
    """A backup made by an older release gets this release's migrations (a no-op when it
    is current). A database made without Alembic (the tests' create_all) has none."""
    if manifest["database"]["alembic_revision"]:
        upgrade()


def _usable_index(source: Path, manifest: dict) -> Path | None:
    """The backed-up index version to install; None when there is none to use. One
    whose mark is past the database copy's last change (impossible when made by
    make_backup) would skip changes, so it is not used."""
    facts, folder = manifest.get("index"), source / INDEX_FOLDER
    if not facts or not folder.is_dir():
        return None
    if facts["applied_through"] > manifest["database"]["last_change_id"]:
        return None
    return folder


def restore_backup(directory: str | os.PathLike, *, force: bool = False) -> RestoreReport:
    """Put a backup's database and index back into this (empty) instance and bring the
    index up to date. Stop the app first: a running one would keep serving old pages
    from its open connections."""
    source = Path(directory).resolve()
    manifest = read_manifest(source)
    target = sqlite_file()
    rows = _rows_now()
    if rows and not force:
        raise RestoreRefused(f"the database {target} already holds data ({rows} rows); restore "
                             "into an empty instance, or add --force to replace all of it")
    db.session.remove()
    db.engine.dispose()   # no pooled connection of ours holds pages of the old database
    try:
        with closing(sqlite3.connect(source / DATABASE_FILE)) as backup, \
                closing(sqlite3.connect(target, timeout=30)) as live:
            backup.backup(live)
    except sqlite3.OperationalError as failure:   # "database is locked", mostly
        raise RestoreRefused(f"could not write {target} ({failure}); if the app or the "
                             "indexer runs, stop them and restore again. Nothing was "
                             "changed") from None
    db.engine.dispose()
    _upgrade_schema(manifest)
    index = copies.restore(_usable_index(source, manifest))
    return RestoreReport(source, manifest, index.current, index.current != index.installed,
                         index.applied)
