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


def _as_tuple(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def test_database_is_at_every_head_revision(app):
    """Core's head and every plugin branch's head are applied. A plugin branch that
    ``depends_on`` core's head makes it an ancestor rather than a head in the database's
    ``alembic_version``, so the heads are compared with what the database's heads reach."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    reached, todo = set(), list(current)
    while todo:
        revision = script.get_revision(todo.pop())
        if revision.revision in reached:
            continue
        reached.add(revision.revision)
        todo += [*_as_tuple(revision.down_revision), *_as_tuple(revision.dependencies)]
    assert set(script.get_heads()) <= reached
