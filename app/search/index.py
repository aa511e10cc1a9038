"""The index on disk: versions, the pointer to the current one, and its progress mark.

Layout under the index folder:

    CURRENT                 the name of the version readers should use (replaced atomically)
    v-<ns>-<pid>/           a complete Whoosh index (names sort by creation time)
        progress.json       {"schema": n, "applied_through": change-log id}
    REBUILDING              the pid of a rebuild under way
    DAMAGED                 {"version": …, "problem": …}: a version found unreadable

A rebuild writes a new version beside the old one and only then replaces CURRENT, so
readers never see a half-built index. The progress mark lives inside the version it
describes: a fresh or rebuilt index carries its own mark, and deleting the folder
resets it with it.

A version that cannot be read (files deleted or garbled under a running app) is named in
DAMAGED by whoever finds out; from then on it counts as unusable, so every process stops
trying it and the indexer builds a new one. Whoosh's write lock is an flock() on
MAIN_WRITELOCK: it dies with its process, so a killed writer never blocks the next one,
and the next commit deletes the segment files the killed one left half-written.
"""
from __future__ import annotations

import json
import os
import shutil
import time
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError

# Segments written so far name their codec by this module's name: it stays importable here.
from app.search.codec import CasusbankCodec
from app.search.schema import SCHEMA_VERSION, build_schema

POINTER = "CURRENT"
PROGRESS = "progress.json"
REBUILDING = "REBUILDING"  # holds the pid of a rebuild under way
DAMAGED = "DAMAGED"
VERSIONS_KEPT = 2  # the current one and the one before, which open searchers may still read


class IndexMissing(RuntimeError):
    """There is no usable index yet: build one with `flask search rebuild`."""


# Raised by `apply` when another process holds the write lock past the timeout.
IndexBusy = LockError


class _Folder(FileStorage):
    """A version's folder whose files close themselves when dropped. Whoosh drops the
    files of a reader that fails halfway through opening (a damaged index; it retries
    ten times) without closing them, and each would end in a ResourceWarning."""

    def open_file(self, name, **kwargs):
        handle = super().open_file(name, **kwargs)
        weakref.finalize(handle, handle.file.close)  # a no-op when Whoosh closed it
        return handle


def _cancel_quietly(writer) -> None:
    try:
        writer.cancel()
    except Exception:  # noqa: BLE001  # nosec B110  # already failing; the first error counts
        pass


def _read_progress(folder: Path) -> dict:
    return json.loads((folder / PROGRESS).read_text(encoding="utf-8"))


class Batch:
    """What one locked write may do: know the mark, then stage documents up to a new one."""

    def __init__(self, writer, applied_through: int):
        self._writer = writer
        self.applied_through = applied_through
        self.through: int | None = None

    def write(self, upserts: Iterable[dict], deletes: Iterable[str], through: int) -> None:
        for key in deletes:
            self._writer.delete_by_term("key", key)
        for document in upserts:
            self._writer.update_document(**document)
        self.through = through


def _write_atomically(path: Path, text: str) -> None:
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    draft.write_text(text, encoding="utf-8")
    os.replace(draft, path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _builder_alive(version: str) -> bool:
    """Is the process that is building `version` (named v-<ns>-<pid>) still running?"""
    pid = version.rpartition("-")[2]
    return pid.isdigit() and _alive(int(pid))


class SearchIndex:
    def __init__(self, root: str | os.PathLike, *, rebuild_procs: int = 1,
                 rebuild_memory_mb: int = 1024):
        """`rebuild_procs` writer processes, each buffering up to `rebuild_memory_mb`
        before it spills to disk (spilling made a 50,000-document rebuild 25% slower)."""
        self.root = Path(root)
        self.rebuild_procs = rebuild_procs
        self.rebuild_memory_mb = rebuild_memory_mb

    # -- where things are -------------------------------------------------------------

    def current_version(self) -> str | None:
        try:
            name = (self.root / POINTER).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return name if name and (self.root / name / PROGRESS).exists() else None

    def _current_dir(self) -> Path:
        name = self.current_version()
        if name is None:
            raise IndexMissing(str(self.root))
        return self.root / name

    def progress(self) -> dict:
        """{"schema": …, "applied_through": …} of the current version."""
        return _read_progress(self._current_dir())

    def is_usable(self) -> bool:
        """True when a current version exists, was built with this code's schema and has
        not been found damaged. Cheap: three small files, read on every search."""
        try:
            fits = self.progress()["schema"] == SCHEMA_VERSION
        except (IndexMissing, FileNotFoundError, ValueError, KeyError, TypeError):
            return False
        return fits and self.damage() is None

    def damage(self) -> str | None:
        """Why the current version was found unreadable, or None."""
        try:
            note = json.loads((self.root / DAMAGED).read_text(encoding="utf-8"))
            if note["version"] != self.current_version():
                return None
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return None
        return str(note.get("problem") or "unreadable")

    def note_damage(self, version: str, problem: str) -> None:
        """Say on disk that `version` cannot be read, for every process to see."""
        self.root.mkdir(parents=True, exist_ok=True)
        _write_atomically(self.root / DAMAGED,
                          json.dumps({"version": version, "problem": problem[:500]}))

    def applied_through(self) -> int:
        return self.progress()["applied_through"]

    def open(self, version: str | None = None):
        folder = self.root / version if version else self._current_dir()
        return _Folder(str(folder)).open_index()

    # -- writing ----------------------------------------------------------------------

    @contextmanager
    def batch(self, timeout: float = 30.0) -> Iterator[Batch]:
        """Hold the write lock of the current version, expose its progress mark, and on
        leaving commit what was written, then move the mark.

        The caller reads its changes *inside* the block, after the lock is taken, so two
        writers (the indexer and a `flask search sync`) can never commit an older state
        over a newer one. Raises IndexBusy when the lock stays taken for `timeout` s.
        """
        folder = self._current_dir()
        writer = self.open(folder.name).writer(timeout=timeout, compound=False,
                                               codec=CasusbankCodec())
        batch = Batch(writer, _read_progress(folder)["applied_through"])
        try:
            yield batch
            if batch.through is None:
                writer.cancel()
                return
            writer.commit()
        except BaseException:
            _cancel_quietly(writer)  # free the lock and the files; the batch is replayed later
            raise
        self._mark(folder, batch.through)

    def apply(self, upserts: Iterable[dict], deletes: Iterable[str], through: int,
              timeout: float = 30.0) -> None:
        """Write ready-made documents in one batch (for callers that need no mark first)."""
        with self.batch(timeout) as batch:
            batch.write(upserts, deletes, through)

    def _mark(self, folder: Path, through: int) -> None:
        current = _read_progress(folder)
        if through > current["applied_through"]:
            current["applied_through"] = through
            _write_atomically(folder / PROGRESS, json.dumps(current))

    def rebuilding(self) -> bool:
        """True while a rebuild of this index runs (a marker left by a killed one is not)."""
        try:
            pid = int((self.root / REBUILDING).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return False
        return _alive(pid)

    def rebuild(self, documents: Iterable[dict], through: int, procs: int | None = None) -> str:
        """Build a complete new version aside, then make it current in one rename."""
        self.root.mkdir(parents=True, exist_ok=True)
        _write_atomically(self.root / REBUILDING, str(os.getpid()))
        try:
            return self._build_version(documents, through, procs or self.rebuild_procs)
        finally:
            (self.root / REBUILDING).unlink(missing_ok=True)

    def _build_version(self, documents: Iterable[dict], through: int, procs: int) -> str:
        name = f"v-{time.time_ns():020d}-{os.getpid()}"
        folder = self.root / name
        folder.mkdir()
        ix = whoosh_index.create_in(str(folder), build_schema())
        options = {"procs": procs, "multisegment": True} if procs > 1 else {}
        writer = ix.writer(compound=False, limitmb=self.rebuild_memory_mb, codec=CasusbankCodec(),
                           **options)
        try:
            for document in documents:
                writer.add_document(**document)
            writer.commit()
        except BaseException:
            _cancel_quietly(writer)
            shutil.rmtree(folder, ignore_errors=True)
            raise
        _write_atomically(folder / PROGRESS,
                          json.dumps({"schema": SCHEMA_VERSION, "applied_through": through}))
        return self._make_current(name)

    def install(self, source: Path) -> str:
        """Copy a complete version (from a backup) in beside the others and make it current."""
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"v-{time.time_ns():020d}-{os.getpid()}"
        shutil.copytree(source, self.root / f".{name}")
        os.replace(self.root / f".{name}", self.root / name)
        return self._make_current(name)

    def _make_current(self, name: str) -> str:
        _write_atomically(self.root / POINTER, name)
        (self.root / DAMAGED).unlink(missing_ok=True)  # it named an earlier version
        self._remove_old_versions()
        return name

    def _remove_old_versions(self) -> None:
        """Keep the current version and the one before, and newer ones still being built;
        remove older ones and the half-built folders of killed rebuilds."""
        current = self.current_version() or ""
        versions = sorted(self.root.glob("v-*"))
        complete = [path for path in versions if (path / PROGRESS).exists()]
        older = [path for path in complete if path.name < current]
        abandoned = [path for path in versions
                     if path not in complete and not _builder_alive(path.name)]
        for folder in older[:-(VERSIONS_KEPT - 1)] + abandoned:
            shutil.rmtree(folder, ignore_errors=True)

    # -- facts for `flask search status` ----------------------------------------------

    def document_count(self) -> int:
        ix = self.open()
        with ix.searcher() as searcher:
            return searcher.doc_count()

    def size_bytes(self) -> int:
        return sum(path.stat().st_size for path in self._current_dir().iterdir())
