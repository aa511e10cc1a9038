"""A throw-away Casusbank in a temporary folder, for benchmarks and the harness."""
from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from app import create_app
from app.config import PROJECT_DIR
from app.extensions import db
from app.services import indexing
from app.services.content_import import import_content


@contextmanager
def temporary_casusbank(content: Path = PROJECT_DIR / "content") -> Iterator[tuple[Flask, Path]]:
    """An app with its own database and index, `content` imported and indexed; the app
    context is pushed for the duration."""
    with tempfile.TemporaryDirectory(prefix="casusbank-bench-") as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite",
                          "SEARCH_INDEX_DIR": f"{folder}/index", "SECRET_KEY": "bench",
                          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        with app.app_context():
            db.create_all()
            import_content(content)
            indexing.sync(indexing.search_index())
            try:
                yield app, Path(folder)
            finally:
                app.extensions["casusbank.searchers"].close()
                db.session.remove()
                db.engine.dispose()
