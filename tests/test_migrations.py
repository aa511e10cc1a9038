"""The Alembic migrations build exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import inspect

from app.extensions import db
from tests.conftest import close_app, make_app


def test_upgrade_from_empty_matches_the_models(tmp_path):
    app = make_app(tmp_path)
    try:
        with app.app_context():
            upgrade()
            with db.engine.connect() as connection:
                context = MigrationContext.configure(connection,
                                                     opts={"compare_type": True})
                assert compare_metadata(context, db.metadata) == []
                assert "alembic_version" in inspect(connection).get_table_names()
            upgrade()  # a second run is a no-op
    finally:
        close_app(app)
