"""The committed migrations and the models describe the same schema, and the migrations
that backfill rollups count the events already stored exactly."""

import flask_migrate
import pytest
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


def test_projects_migration_moves_everything_into_the_self_tracking_project(app, client, auth):
    """0010 on a database with users, keys, events and rollups: every event and key lands in
    `ouroboard`, the first user owns it and the others view it, the rollups are re-keyed
    exactly (not recounted), and the counts the API answers are unchanged."""
    ingest_mixed_events(app, client, auth)
    assert auth.register(username="second").status_code == 201
    before = client.get("/api/v1/analytics", headers=auth.headers).get_json()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
        flask_migrate.downgrade(revision="0009_quarter_hour_rollups")
        tables = set(db.inspect(db.engine).get_table_names())
        assert "projects" not in tables and "memberships" not in tables
        flask_migrate.upgrade()
        project_id = db.session.execute(
            text("SELECT id FROM projects WHERE slug = 'ouroboard'")).scalar_one()
        assert db.session.execute(text(
            "SELECT COUNT(*) FROM events WHERE project_id <> :p"), {"p": project_id}).scalar() == 0
        assert db.session.execute(text("SELECT COUNT(*) FROM events")).scalar() > 0
        assert db.session.execute(text(
            "SELECT COUNT(*) FROM ingest_keys WHERE project_id <> :p"),
            {"p": project_id}).scalar() == 0
        roles = dict(db.session.execute(text(
            "SELECT u.username, m.role FROM memberships m JOIN users u ON u.id = m.user_id "
            "WHERE m.project_id = :p"), {"p": project_id}).all())
        assert roles == {"oracle": "owner", "second": "viewer"}
        admins = db.session.execute(text(
            "SELECT username FROM users WHERE is_instance_admin")).scalars().all()
        assert admins == ["oracle"]
        db.session.remove()
        db.engine.dispose()
    assert_rollups_match(app)
    after = client.get("/api/v1/analytics", headers=auth.headers).get_json()
    assert after == before


def test_projects_migration_refuses_to_fold_several_projects_back_into_one(app, client, auth,
                                                                          caplog):
    assert auth.register(username="owner").status_code == 201
    created = client.post("/api/v1/projects", json={"name": "Shop", "slug": "shop"},
                          headers=auth.headers)
    assert created.status_code == 201
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
        with pytest.raises(SystemExit):  # flask-migrate reports the error and exits
            flask_migrate.downgrade(revision="0009_quarter_hour_rollups")
        db.session.remove()
        db.engine.dispose()
        assert "more than one project exists" in caplog.text
        # Refused before changing any project: they are all still there. (On SQLite the
        # later revisions' downgrades, which ran first, stay undone: DDL is not
        # transactional there, so the schema is brought back to head to read.)
        flask_migrate.upgrade()
        slugs = db.session.execute(text("SELECT slug FROM projects")).scalars().all()
        assert "shop" in slugs
        db.session.remove()
        db.engine.dispose()
    assert client.get("/api/v1/projects/shop", headers=auth.headers).status_code == 200


def test_web_analytics_migration_keeps_stored_events_as_humans_without_web_values(
        app, client, auth):
    """0011 on a database with events: they stay, as non-bots with no web values (they
    predate enrichment), the feature counts are unchanged, and the web tables start empty."""
    ingest_mixed_events(app, client, auth)
    before = client.get("/api/v1/analytics", headers=auth.headers).get_json()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
        flask_migrate.downgrade(revision="0010_projects")
        tables = set(db.inspect(db.engine).get_table_names())
        assert tables.isdisjoint({"visits", "web_rollup_daily", "visitor_days", "visit_salts"})
        assert "is_bot" not in {column["name"] for column in db.inspect(db.engine)
                                .get_columns("events")}
        flask_migrate.upgrade()
        rows = db.session.execute(text(
            "SELECT COUNT(*), SUM(CASE WHEN is_bot THEN 1 ELSE 0 END), COUNT(visitor_id) "
            "FROM events")).one()
        assert rows[0] > 0 and rows[1] == 0 and rows[2] == 0
        assert db.session.execute(text("SELECT COUNT(*) FROM visits")).scalar() == 0
        db.session.remove()
        db.engine.dispose()
    assert client.get("/api/v1/analytics", headers=auth.headers).get_json() == before
