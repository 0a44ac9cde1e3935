"""Migrations build the schema from empty, and models and migrations agree."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import inspect

from rcm_exchange.extensions import db
from tests.conftest import make_app, on_both_databases


@on_both_databases
def test_upgrade_from_empty_and_no_drift_from_the_models(database, tmp_path):
    app = make_app(database, tmp_path)
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"documents", "users", "organizations", "search_log", "audit_events"} <= tables
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        # Upgrading an up-to-date database changes nothing.
        upgrade()
        db.engine.dispose()
