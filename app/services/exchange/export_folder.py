"""Putting an export folder in place without ever deleting anyone's files.

The folder is written beside the target (`<name>.partial-…`) and renamed into place at
the end, so an interrupted export leaves that folder and the target as it was. A target
that is not empty is only replaced when it is an earlier export that nobody changed: its
manifest lists every file with its hash, and only files that still match are deleted.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

MANIFEST = "casusbank-export.json"
FORMAT = "casusbank-content-export/1"


class FolderRefused(Exception):
    """The target may hold someone's work; nothing was written to it."""


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _entries(root: Path) -> set[str]:
    """Every file, link and empty folder under `root`, relative to it."""
    found = set()
    for folder, folders, files in os.walk(root):
        base = Path(folder).relative_to(root)
        links = [name for name in folders if Path(folder, name).is_symlink()]
        found.update((base / name).as_posix() for name in [*files, *links])
        if not folders and not files and base != Path("."):
            found.add(f"{base.as_posix()}/")
    return found


def _manifest_files(folder: Path) -> dict[str, str] | None:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return None
    files = manifest.get("files")
    return files if isinstance(files, dict) else None


def _unchanged(path: Path, expected: str | None) -> bool:
    return path.is_file() and not path.is_symlink() and digest(path.read_bytes()) == expected


def _earlier_export(target: Path) -> dict[str, str] | None:
    """The files an earlier export wrote to `target`, None when it is absent or empty."""
    if not target.exists():
        return None
    if not target.is_dir():
        raise FolderRefused(f"{target} is not a folder")
    found = _entries(target)
    if not found:
        return None
    listed = _manifest_files(target)
    if listed is None:
        raise FolderRefused(f"{target} is not empty and holds no {MANIFEST} of an earlier "
                            "export; choose a new or empty folder")
    strangers = sorted(path for path in found - {MANIFEST}
                       if not _unchanged(target / path, listed.get(path)))
    if strangers:
        shown = ", ".join(strangers[:5]) + (" …" if len(strangers) > 5 else "")
        raise FolderRefused(f"{target} is an earlier export, but these files were added or "
                            f"changed since: {shown}; move them away or choose another folder")
    return listed


def _remove_earlier(folder: Path, listed: dict[str, str]) -> list[str]:
    """Delete exactly the files the earlier export wrote, if still unchanged."""
    for relative, expected in listed.items():
        if _unchanged(folder / relative, expected):
            (folder / relative).unlink()
    (folder / MANIFEST).unlink(missing_ok=True)
    for sub in sorted({(folder / relative).parent for relative in listed}, reverse=True):
        if sub != folder and sub.is_dir() and not any(sub.iterdir()):
            sub.rmdir()
    if any(folder.iterdir()):
        return [f"{folder} holds files changed during the export; they were kept there"]
    folder.rmdir()
    return []


def put_in_place(target: Path, write: Callable[[Path], dict]) -> list[str]:
    """Let `write` fill a fresh folder (it returns the manifest: its "files" map each
    relative path to its digest), then move that folder to `target`. Returns warnings."""
    earlier = _earlier_export(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{target.name}.partial-", dir=target.parent))
    try:
        manifest = {"format": FORMAT, **write(staging)}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n",
                                        encoding="utf-8")
    except BaseException:
        shutil.rmtree(staging)  # made by this run a moment ago: only its own files
        raise
    if earlier is None:
        staging.rename(target)  # replaces an empty folder; refuses one that filled up meanwhile
        return []
    aside = Path(tempfile.mkdtemp(prefix=f"{target.name}.previous-", dir=target.parent))
    target.rename(aside)  # onto the empty folder just made, in one step
    staging.rename(target)
    return _remove_earlier(aside, earlier)
