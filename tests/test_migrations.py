"""The migrations build the schema on an empty database, agree with the models, and undo."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from app.extensions import db
from tests.conftest import TEST_DB, create_pg_database


@pytest.fixture
def empty_database_url(tmp_path):
    if TEST_DB == "postgresql":
        url, drop = create_pg_database("llw_migrations")
        yield url
        drop()
    else:
        yield f"sqlite:///{tmp_path}/migrations.sqlite"


def test_upgrade_from_empty_matches_models_and_downgrades(empty_database_url):
    app = create_app({"TESTING": True, "DATABASE_URL": empty_database_url})
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"unit", "user_account", "campaign", "alembic_version"} <= tables

        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"models and migrations differ: {differences}"

        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()  # and back up again: downgrade left nothing behind (enum types included)
        assert "unit" in inspect(db.engine).get_table_names()
        db.session.remove()
        db.engine.dispose()


def live_check_in_indexes() -> dict[str, dict]:
    """The check_in indexes named ix_check_in_event_live, as the database reports them."""
    return {
        index["name"]: index
        for index in inspect(db.engine).get_indexes("check_in")
        if index["name"] == "ix_check_in_event_live"
    }


def test_the_reports_index_covers_only_live_check_ins_and_downgrades(empty_database_url):
    app = create_app({"TESTING": True, "DATABASE_URL": empty_database_url})
    with app.app_context():
        upgrade(revision="e4defa6b5280")
        index = live_check_in_indexes()["ix_check_in_event_live"]
        assert index["column_names"] == ["event_id"]
        assert not index["unique"]
        where = index["dialect_options"][f"{db.engine.dialect.name}_where"]
        assert "undone_at IS NULL" in str(where).replace("(", "").replace(")", "")

        downgrade(revision="251fe27b26d8")
        assert live_check_in_indexes() == {}
        db.session.remove()
        db.engine.dispose()
