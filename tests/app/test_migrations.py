"""The committed migrations and the models describe the same schema, and the migrations
that backfill rollups count the events already stored exactly."""

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from app.extensions import db
from app.rollups.definition import ROLLUPS
from tests.rollups.test_definition import assert_rollups_match, ingest_mixed_events

QUARTER_HOUR_TABLES = ("rollup_quarter_hourly", "rollup_quarter_hourly_totals")


def test_migrations_match_models(app):
    """The test database was built by `flask db upgrade`; autogenerate must find nothing."""
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_quarter_hour_rollups_are_backfilled_from_stored_events(app, client, auth):
    """Events stored before 0009 are in its quarter-hour rollups once it has run."""
    assert {rollup.table for rollup in ROLLUPS} >= set(QUARTER_HOUR_TABLES)
    ingest_mixed_events(app, client, auth)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
        flask_migrate.downgrade(revision="0008_session_revocation")
        tables = set(db.inspect(db.engine).get_table_names())
        assert tables.isdisjoint(QUARTER_HOUR_TABLES)
        flask_migrate.upgrade()
        for table in QUARTER_HOUR_TABLES:
            assert db.session.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar() > 0  # noqa: S608
        db.session.remove()
        db.engine.dispose()
    assert_rollups_match(app)
