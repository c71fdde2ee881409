"""The Alembic history builds exactly the models, on SQLite and PostgreSQL, and can be undone."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from ledgerline.db import make_engine
from ledgerline.models import Base
from tests.conftest import PG_SCHEMA, PG_URL, alembic_config, create_postgres_schema, drop_postgres_schema


def differences(engine: Engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def migrate(engine: Engine, direction: str, revision: str) -> None:
    with engine.begin() as connection:
        getattr(command, direction)(alembic_config(connection), revision)


def test_upgrade_head_builds_exactly_the_models(engine):
    assert differences(engine) == []


def test_the_database_is_at_the_single_head(engine):
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"the history has forked: {heads}"
    assert current_revision(engine) == head_revision()


def test_every_model_table_exists(engine):
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert tables - set(Base.metadata.tables) == {"alembic_version"}


def roundtrip(engine: Engine) -> None:
    migrate(engine, "upgrade", "head")
    assert differences(engine) == []
    migrate(engine, "downgrade", "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    assert current_revision(engine) is None
    migrate(engine, "upgrade", "head")
    assert differences(engine) == []
    assert current_revision(engine) == head_revision()


def test_downgrade_to_base_and_upgrade_again_on_sqlite(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'roundtrip.db'}")
    try:
        roundtrip(engine)
    finally:
        engine.dispose()


@pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set")
def test_downgrade_to_base_and_upgrade_again_on_postgresql():
    schema = f"{PG_SCHEMA}_roundtrip"
    create_postgres_schema(schema)
    engine = make_engine(PG_URL, search_path=schema)
    try:
        roundtrip(engine)
    finally:
        engine.dispose()
        drop_postgres_schema(schema)


def test_offline_sql_can_be_generated_for_postgresql(capsys):
    """``alembic upgrade head --sql`` works, for DBAs who apply migrations by hand."""
    config = alembic_config()
    config.cmd_opts = type("Options", (), {"x": ["url=postgresql+psycopg://offline/ledgerline"]})()
    command.upgrade(config, "head", sql=True)
    script = capsys.readouterr().out
    assert "CREATE TABLE customers" in script
    assert "alembic_version" in script
