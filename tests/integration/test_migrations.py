"""The Alembic revisions build exactly the schema the models declare, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from portal.extensions import db


def differences(app) -> list:
    # the options `flask db migrate` uses, so this test sees what autogenerate would write
    options = dict(app.extensions["migrate"].configure_args)
    options.pop("render_item", None)
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={**options, "compare_type": True})
        return compare_metadata(context, db.metadata)


def test_migrated_schema_matches_the_models(app):
    assert differences(app) == []


def test_every_model_table_is_migrated(app):
    tables = set(inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_database_is_at_the_head_revision(app):
    from alembic.script import ScriptDirectory

    config = app.extensions["migrate"].migrate.get_config()
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with db.engine.connect() as connection:
        assert set(MigrationContext.configure(connection).get_current_heads()) == heads
