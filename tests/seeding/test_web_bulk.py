"""app/seeding/web_bulk.py: the web benchmark's bulk load writes what ingestion would store
for the same requests, so its rebuilt web rollups equal those kept at ingest."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Event, Visit
from app.seeding import web_data, web_demo
from app.seeding.web_bulk import WEB_EVENT_COLUMNS, load_web_traffic
from app.seeding.web_traffic import TrafficModel
from app.web.tables import (
    visitor_day_pairs,
    visitor_days,
    visitor_hours,
    web_daily,
    web_hourly,
    web_monthly,
)

DAYS = [date(2026, 10, 20) + timedelta(days=offset) for offset in range(45)]
SEED, EVENTS = 5, 6000


def rows_of(table, project_id: int, drop: tuple[str, ...] = ("project_id",)) -> Counter:
    """The project's rows of a table, as a multiset without the given columns."""
    columns = [column for column in table.c if column.name not in drop]
    return Counter(tuple(row) for row in db.session.execute(
        select(*columns).where(table.c.project_id == project_id)))


def test_a_bulk_load_stores_what_ingestion_stores(app):
    with app.app_context():
        bulk = web_data.ensure_project("bulk-web", "Bulk", "UTC")
        ingested = web_data.ensure_project("ingested-web", "Ingested", "UTC")
        result = load_web_traffic(bulk, EVENTS, DAYS, seed=SEED)
        stored = web_demo.store_traffic(
            ingested, TrafficModel(SEED, DAYS, EVENTS).visits(), "00000000-0000-4000-8000-")
        assert result["events"] == stored == EVENTS
        rollups = [table for name, table in db.metadata.tables.items()
                   if name.startswith("web_rollup_")]
        assert {web_hourly, web_daily, web_monthly} <= set(rollups)
        for table in (*rollups, visitor_day_pairs):
            assert rows_of(table, bulk) == rows_of(table, ingested), table.name
        # Cookieless visitors' hashes differ (ingestion keys them with the daily salt), so
        # visitor days and hours and visits compare without the visitor's name.
        for table in (visitor_days, visitor_hours):
            assert rows_of(table, bulk, ("project_id", "visitor_id")) == rows_of(
                table, ingested, ("project_id", "visitor_id")), table.name
        visits = Visit.__table__
        assert rows_of(visits, bulk, ("project_id", "visit_id", "visitor_id")) == rows_of(
            visits, ingested, ("project_id", "visit_id", "visitor_id"))
        # Event by event (the n-th of each load), every column the loader writes.
        events = Event.__table__
        compared = [events.c[name] for name in WEB_EVENT_COLUMNS
                    if name not in ("uuid", "project_id", "visit_id", "visitor_id")]
        ordered = [db.session.execute(select(*compared, events.c.visitor_id)
                                      .where(events.c.project_id == project)
                                      .order_by(events.c.uuid)).all()
                   for project in (bulk, ingested)]
        assert [row[:-1] for row in ordered[0]] == [row[:-1] for row in ordered[1]]
        assert [row[-1][:2] for row in ordered[0]] == [row[-1][:2] for row in ordered[1]]
        anonymous = [row[-1] for row in ordered[0] if row[-1].startswith("a:")]
        assert anonymous == [row[-1] for row in ordered[1] if row[-1].startswith("a:")]
        kinds = Counter(row[-1][:2] for row in ordered[0])
        bots = db.session.execute(select(Event.id).where(Event.project_id == bulk,
                                                         Event.is_bot)).all()
        visit_count = len(rows_of(visits, bulk, ()))
    assert kinds["h:"] > 0.15 * EVENTS and kinds["a:"] > 0.5 * EVENTS and bots
    assert result["visits"] == visit_count > 0.3 * EVENTS


def test_a_bulk_load_keeps_the_indexes_and_answers_the_web_analytics(app, client, auth):
    from sqlalchemy import inspect

    with app.app_context():
        project = web_data.ensure_project("bulk-web", "Bulk", "UTC")
        load_web_traffic(project, 2000, DAYS, seed=SEED,
                         until=datetime(2026, 12, 1, tzinfo=UTC))
        inspector = inspect(db.engine)
        visit_indexes = {index["name"] for index in inspector.get_indexes("visits")}
    assert set(web_data.VISIT_INDEXES) <= visit_indexes
    auth.register(username="bulkweb", age=30, gender="Other")
    with app.app_context():
        from app.seeding import data
        user_id = data.users_named(["bulkweb"])[0].id
        data.ensure_memberships([project], [user_id], user_id)
    answer = client.get("/api/v1/analytics/web/summary", headers=auth.headers, query_string={
        "project": "bulk-web", "startDate": "2026-10-20", "endDate": "2026-12-03"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["current"]["visits"] > 500
