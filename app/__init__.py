"""Casusbank: the case library and reflection knowledge base of the four government roles."""
from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from app.cli import register_commands
from app.config import configure
from app.database import register_database
from app.indexer import register_indexer
from app.web import register_web


def create_app(config: Mapping | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True, template_folder="web/templates",
                static_folder="web/static")
    configure(app, config)
    register_database(app)
    register_indexer(app)
    register_web(app)
    register_commands(app)
    return app
