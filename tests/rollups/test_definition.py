"""Every rollup table equals a brute-force count of the stored events, computed in Python
from app.rollups.definition, whichever path filled it: ingestion, the rebuild, or the bulk
loader. A throwaway dimension added to the definition must flow through all three."""

import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import MetaData, String, select, text

from app.event_rows import EVENT_COLUMNS
from app.extensions import db
from app.models import Event, sqlite_value
from app.projects.builtin import self_tracking_project_id
from app.rollups import data as rollup_data
from app.rollups import definition
from app.rollups.definition import DAY, HOUR, NAME, Dimension, FieldOrNoValue, Measure, Rollup
from app.rollups.tables import table_for
from app.seeding.bulk import bulk_load
from app.track.keys import create_key

# A dimension no table has in production, to prove that adding one is a change to the
# definition (plus the table a migration would create).
PAGE = Dimension("page_url", ("page_url",), FieldOrNoValue("page_url"),
                 "COALESCE(page_url, '-')", String(2000))
SESSION = Dimension("session_id", ("session_id",), FieldOrNoValue("session_id"),
                    "COALESCE(session_id, '-')", String(64))
THROWAWAY = (
    Rollup("rollup_test_daily_pages", DAY, (PAGE, NAME)),
    Rollup("rollup_test_hourly_sessions", HOUR, (SESSION,), Measure.PRESENCE),
)


def stored_events() -> list[dict]:
    """Every stored event as the write path's row dict."""
    events = db.session.execute(select(Event)).scalars().all()
    return [{column: getattr(event, column) for column in EVENT_COLUMNS} for event in events]


def comparable(value):
    """A key part as the backend stores it: SQLite's exact text for dates and times (a
    key in another format would be a different row to every query), Postgres's values."""
    if db.engine.dialect.name == "sqlite" and isinstance(value, date | datetime):
        return sqlite_value(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return value


def brute_force(rollup: Rollup, events: list[dict]) -> Counter:
    """The rollup's rows, counted one event at a time from the definition's functions."""
    rows: Counter = Counter()
    for event in events:
        key = tuple(part.floor(event["occurred_at"]) if part is rollup.grain else part.of(event)
                    for part in rollup.key_parts)
        if None in key:
            continue
        key = tuple(comparable(part) for part in key)
        if rollup.measure is Measure.EVENTS:
            rows[key] += 1
        else:
            rows[key] = 1
    return rows


def table_contents(rollup: Rollup) -> Counter:
    """What the rollup table holds, in the same shape as brute_force."""
    columns = ", ".join(rollup.columns)
    found: Counter = Counter()
    for row in db.session.execute(text(f"SELECT {columns} FROM {rollup.table}")):  # noqa: S608
        key = tuple(comparable(part) for part in row[:len(rollup.key_columns)])
        found[key] = row[-1] if rollup.measure is Measure.EVENTS else 1
    return found


def assert_rollups_match(app) -> None:
    """Every rollup of the current definition equals its brute-force count."""
    with app.app_context():
        events = stored_events()
        assert events, "nothing stored: the comparison would prove nothing"
        for rollup in definition.ROLLUPS:
            assert table_contents(rollup) == brute_force(rollup, events), rollup.table


def create_rollup_table(rollup: Rollup) -> None:
    """The table a migration would create for a rollup, as the definition describes it."""
    table_for(rollup, MetaData()).create(db.engine)


@pytest.fixture(params=["declared", "with a throwaway dimension"])
def rollups(request, app, monkeypatch):
    """The definition as declared, or with two extra rollups over new dimensions."""
    if request.param == "declared":
        yield definition.ROLLUPS
        return
    with app.app_context():
        for rollup in THROWAWAY:
            create_rollup_table(rollup)
    monkeypatch.setattr(definition, "ROLLUPS", definition.ROLLUPS + THROWAWAY)
    yield definition.ROLLUPS
    with app.app_context():
        for rollup in THROWAWAY:
            db.session.execute(text(f"DROP TABLE {rollup.table}"))
        db.session.commit()


def ingest_mixed_events(app, client, auth) -> None:
    """Users and anonymous visitors, pages and sessions, replays and twins, over hours,
    days and a month boundary, through the real API."""
    assert auth.register(username="oracle", age=17, gender="Female").status_code == 201
    user_headers = dict(auth.headers)
    with app.app_context():
        # An import key: the month boundary may lie more than MAX_BACKDATE_DAYS back (the
        # session's batch then stores only its recent events).
        _, raw_key = create_key(self_tracking_project_id(), f"oracle-{uuid.uuid4().hex[:6]}",
                                allows_import=True)
    now = datetime.now(UTC)
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    # Both sides of the month, hour and quarter-hour boundaries.
    moments = [month_start - timedelta(microseconds=1), month_start,
               month_start + timedelta(minutes=14, seconds=59, microseconds=999999),
               month_start + timedelta(minutes=15), month_start + timedelta(minutes=45),
               month_start + timedelta(minutes=59, seconds=59), now - timedelta(days=3, hours=5),
               now - timedelta(hours=2), now]
    batch = []
    for index in range(60):
        moment = moments[index % len(moments)]
        batch.append({"name": f"feature_{index % 4}", "uuid": str(uuid.uuid4()),
                      "timestamp": moment.isoformat(),
                      "page_url": None if index % 5 == 0 else f"/page/{index % 3}",
                      "session_id": None if index % 7 == 0 else f"s{index % 4}",
                      "anonymous_id": None if index % 2 else f"visitor-{index % 6}"})
    replay = batch[:5]
    twin = {**batch[6], "name": "twin_loses"}
    for headers in (user_headers, {"X-Ouroboard-Key": raw_key}):
        response = client.post("/api/v1/events", json={"events": batch[:30] + [twin]},
                               headers=headers)
        assert response.status_code == 202
        batch = batch[30:] + replay
    response = client.post("/api/v1/track", json={"feature_name": "feature_0"},
                           headers=user_headers)
    assert response.status_code == 201


def test_ingested_rollups_equal_the_brute_force_count(app, client, auth, rollups):
    ingest_mixed_events(app, client, auth)
    assert_rollups_match(app)


def test_rebuilt_rollups_equal_the_brute_force_count(app, client, auth, rollups):
    ingest_mixed_events(app, client, auth)
    with app.app_context():
        for rollup in rollups:
            db.session.execute(text(f"DELETE FROM {rollup.table}"))  # noqa: S608
        rollup_data.rebuild()
        db.session.commit()
    assert_rollups_match(app)


def test_bulk_loaded_rollups_equal_the_brute_force_count(app, client, auth, rollups):
    ingest_mixed_events(app, client, auth)  # a load into tables that already hold counts
    with app.app_context():
        bulk_load(3000, 12, "not-a-real-hash")
    assert_rollups_match(app)


def test_the_throwaway_dimension_was_really_counted(app, client, auth, rollups):
    """Guards the test above against passing on empty tables."""
    ingest_mixed_events(app, client, auth)
    with app.app_context():
        for rollup in rollups:
            assert table_contents(rollup), rollup.table
