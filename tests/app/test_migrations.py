"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db


def test_migrated_schema_matches_models(app):
    """Compared with the options ``flask db migrate`` uses, so both skip the same objects."""
    options = app.extensions["migrate"].configure_args
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": options["include_name"]}
        )
        assert compare_metadata(context, db.metadata) == []
        assert context.get_current_revision() is not None
