"""The rollup tables are kept current by the statements here, run with each batch of newly
stored events inside the same transaction, so counts and events can never disagree."""

from collections import Counter
from datetime import UTC, date

from sqlalchemy import text

from app.extensions import db
from app.models import NO_VALUE


class RollupBatch:
    """Rollup increments for many events, counted in memory (the bulk loader fills these and
    writes them with the driver's own bulk paths)."""

    def __init__(self) -> None:
        self.daily: Counter = Counter()
        self.monthly: Counter = Counter()
        self.daily_totals: Counter = Counter()
        self.hourly: Counter = Counter()
        self.hourly_totals: Counter = Counter()
        self.people: set[tuple[date, str, str, str]] = set()
        self.monthly_people: set[tuple[date, str, str, str]] = set()

    def merge(self, other: "RollupBatch") -> None:
        """Add another batch's increments to this one."""
        for *_, attribute in COUNTED_ROLLUPS:
            getattr(self, attribute).update(getattr(other, attribute))
        self.people |= other.people
        self.monthly_people |= other.monthly_people


# Postgres stores a batch and counts it into every rollup in one statement (one round trip,
# one constant SQL text the server plans once per connection). The rows arrive as one JSON
# document; the day, hour, month and person expressions match RollupBatch.add and
# rebuild_rollups, and the exactness tests check all three against raw counts. Keys are
# written in sorted order so concurrent batches lock rollup rows in the same order.
POSTGRES_INSERT_WITH_ROLLUPS = text(f"""
WITH incoming AS (
    SELECT * FROM json_to_recordset(CAST(:rows AS json)) AS r(
        uuid varchar, name varchar, user_id bigint, anonymous_id varchar,
        session_id varchar, page_url varchar, referrer varchar, properties jsonb,
        occurred_at timestamptz, received_at timestamptz, age_group varchar, gender varchar)
), inserted AS (
    INSERT INTO events (uuid, name, user_id, anonymous_id, session_id, page_url, referrer,
                        properties, occurred_at, received_at, age_group, gender)
    SELECT uuid, name, user_id, anonymous_id, session_id, page_url, referrer, properties,
           occurred_at, received_at, age_group, gender
    FROM incoming
    ON CONFLICT (uuid) DO NOTHING
    RETURNING id, uuid, name, user_id, anonymous_id, occurred_at,
              COALESCE(age_group, '{NO_VALUE}') AS age_group,
              COALESCE(gender, '{NO_VALUE}') AS gender,
              (occurred_at AT TIME ZONE 'UTC')::date AS day,
              date_trunc('hour', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour,
              CASE WHEN user_id IS NOT NULL THEN 'u:' || user_id::text
                   WHEN anonymous_id IS NOT NULL THEN 'a:' || anonymous_id END AS person
), daily AS (
    INSERT INTO rollup_daily (day, name, age_group, gender, events)
    SELECT day, name, age_group, gender, COUNT(*) FROM inserted
    GROUP BY day, name, age_group, gender ORDER BY day, name, age_group, gender
    ON CONFLICT (day, name, age_group, gender)
    DO UPDATE SET events = rollup_daily.events + EXCLUDED.events
), monthly AS (
    INSERT INTO rollup_monthly (month, name, age_group, gender, events)
    SELECT CAST(date_trunc('month', day) AS date), name, age_group, gender, COUNT(*)
    FROM inserted GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (month, name, age_group, gender)
    DO UPDATE SET events = rollup_monthly.events + EXCLUDED.events
), daily_totals AS (
    INSERT INTO rollup_daily_totals (day, age_group, gender, events)
    SELECT day, age_group, gender, COUNT(*) FROM inserted
    GROUP BY day, age_group, gender ORDER BY day, age_group, gender
    ON CONFLICT (day, age_group, gender)
    DO UPDATE SET events = rollup_daily_totals.events + EXCLUDED.events
), hourly AS (
    INSERT INTO rollup_hourly (hour, name, age_group, gender, events)
    SELECT hour, name, age_group, gender, COUNT(*) FROM inserted
    GROUP BY hour, name, age_group, gender ORDER BY hour, name, age_group, gender
    ON CONFLICT (hour, name, age_group, gender)
    DO UPDATE SET events = rollup_hourly.events + EXCLUDED.events
), hourly_totals AS (
    INSERT INTO rollup_hourly_totals (hour, age_group, gender, events)
    SELECT hour, age_group, gender, COUNT(*) FROM inserted
    GROUP BY hour, age_group, gender ORDER BY hour, age_group, gender
    ON CONFLICT (hour, age_group, gender)
    DO UPDATE SET events = rollup_hourly_totals.events + EXCLUDED.events
), daily_people AS (
    INSERT INTO rollup_daily_people (day, person, age_group, gender)
    SELECT DISTINCT day, person, age_group, gender FROM inserted WHERE person IS NOT NULL
    ORDER BY day, person, age_group, gender
    ON CONFLICT DO NOTHING
), monthly_people AS (
    INSERT INTO rollup_monthly_people (month, person, age_group, gender)
    SELECT DISTINCT CAST(date_trunc('month', day) AS date), person, age_group, gender
    FROM inserted WHERE person IS NOT NULL
    ORDER BY 1, 2, 3, 4
    ON CONFLICT DO NOTHING
)
SELECT id, uuid FROM inserted
""")  # noqa: S608 - NO_VALUE is a constant of ours, every value is a bound parameter


# SQLite has no data-modifying WITH. A batch goes in with one executemany of a constant
# INSERT (SQLite 3.40 re-parses a JSON object for every json_extract, which made a
# json_each insert several times slower). The insert holds the database's only write
# lock, and each new row takes the next rowid, so the rows it stored have the consecutive
# ids ending at last_insert_rowid(). When every row was stored they map to the rows in
# order; otherwise the ids above that run's start say which uuids were kept.
SQLITE_LAST_INSERTED_ID = "SELECT last_insert_rowid()"
# Driver-level SQL (positional parameters, rows as tuples in EVENT_COLUMNS order):
# SQLAlchemy's per-row parameter processing cost more than SQLite's insert.
SQLITE_EVENT_COLUMNS = ("uuid", "name", "user_id", "anonymous_id", "session_id", "page_url",
                        "referrer", "properties", "occurred_at", "received_at", "age_group",
                        "gender")
SQLITE_INSERT_EVENT = (
    f"INSERT INTO events ({', '.join(SQLITE_EVENT_COLUMNS)}) "  # noqa: S608 - constants
    f"VALUES ({', '.join('?' * len(SQLITE_EVENT_COLUMNS))}) ON CONFLICT (uuid) DO NOTHING")
SQLITE_EVENTS_FROM = text("SELECT id, uuid FROM events WHERE id >= :first")

# (table, key columns, RollupBatch attribute) for the counted rollups.
COUNTED_ROLLUPS = (
    ("rollup_daily", ("day", "name", "age_group", "gender"), "daily"),
    ("rollup_monthly", ("month", "name", "age_group", "gender"), "monthly"),
    ("rollup_daily_totals", ("day", "age_group", "gender"), "daily_totals"),
    ("rollup_hourly", ("hour", "name", "age_group", "gender"), "hourly"),
    ("rollup_hourly_totals", ("hour", "age_group", "gender"), "hourly_totals"),
)
# (table, time column, RollupBatch attribute) for the active-people rollups.
PEOPLE_ROLLUPS = (("rollup_daily_people", "day", "people"),
                  ("rollup_monthly_people", "month", "monthly_people"))


def sqlite_upserts() -> list[tuple[str, str]]:
    """(RollupBatch attribute, positional upsert) per rollup table: counts are added to
    existing rows, people are inserted once."""
    statements = []
    for table, keys, attribute in COUNTED_ROLLUPS:
        statements.append((attribute, (
            f"INSERT INTO {table} ({', '.join(keys)}, events) "  # noqa: S608 - constants
            f"VALUES ({', '.join('?' * (len(keys) + 1))}) ON CONFLICT ({', '.join(keys)}) "
            f"DO UPDATE SET events = {table}.events + excluded.events")))
    for table, column, attribute in PEOPLE_ROLLUPS:
        statements.append((attribute, (
            f"INSERT INTO {table} ({column}, person, age_group, gender) "  # noqa: S608
            "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")))
    return statements


SQLITE_UPSERTS = sqlite_upserts()


def count_sqlite_rows(rows) -> RollupBatch:
    """The rollup increments of newly inserted event rows, keyed by the exact text SQLite
    stores (UTCDateTime's naive UTC text, ISO dates).

    Counted here rather than by SQL over the new rows: one pass in Python replaces seven
    scans that each evaluated date functions per row, and the upserts then touch one row
    per key. The exactness tests compare the result with counts over raw events.
    """
    batch = RollupBatch()
    hour_texts: dict[tuple, tuple[str, str, str]] = {}
    for row in rows:
        moment = row["occurred_at"].astimezone(UTC)
        hour_key = (moment.year, moment.month, moment.day, moment.hour)
        times = hour_texts.get(hour_key)
        if times is None:
            times = hour_texts[hour_key] = (
                moment.strftime("%Y-%m-%d"), moment.strftime("%Y-%m-%d %H:00:00.000000"),
                moment.strftime("%Y-%m-01"))
        day, hour, month = times
        name = row["name"]
        age_group = NO_VALUE if row["age_group"] is None else row["age_group"]
        gender = NO_VALUE if row["gender"] is None else row["gender"]
        batch.daily[(day, name, age_group, gender)] += 1
        batch.monthly[(month, name, age_group, gender)] += 1
        batch.daily_totals[(day, age_group, gender)] += 1
        batch.hourly[(hour, name, age_group, gender)] += 1
        batch.hourly_totals[(hour, age_group, gender)] += 1
        if row["user_id"] is not None:
            person = f"u:{row['user_id']}"
        elif row["anonymous_id"] is not None:
            person = f"a:{row['anonymous_id']}"
        else:
            continue
        batch.people.add((day, person, age_group, gender))
        batch.monthly_people.add((month, person, age_group, gender))
    return batch


def write_sqlite_rollups(cursor, batch: RollupBatch) -> None:
    """Apply counted increments, in key order so each table's B-tree is walked forward."""
    for attribute, statement in SQLITE_UPSERTS:
        values = getattr(batch, attribute)
        if isinstance(values, Counter):
            cursor.executemany(statement, [(*key, count) for key, count in sorted(values.items())])
        else:
            cursor.executemany(statement, sorted(values))


ROLLUP_TABLE_NAMES = ("rollup_daily", "rollup_monthly", "rollup_daily_totals", "rollup_hourly",
                      "rollup_hourly_totals", "rollup_daily_people", "rollup_monthly_people")


def rebuild_rollups() -> None:
    """Recount every rollup from the events table (after bulk deletes such as a seed reset).

    No commit: the caller's transaction, so readers see either the old or the new counts.
    Migration 0003 keeps its own copy of this SQL on purpose: a migration must keep doing
    what it did when it was written, whatever this module becomes.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        day = "(occurred_at AT TIME ZONE 'UTC')::date"
        month = "date_trunc('month', occurred_at AT TIME ZONE 'UTC')::date"
        hour = "date_trunc('hour', occurred_at)"
    else:
        day = "date(occurred_at)"
        month = "date(occurred_at, 'start of month')"
        hour = "strftime('%Y-%m-%d %H:00:00.000000', occurred_at)"
    age_group, gender = f"COALESCE(age_group, '{NO_VALUE}')", f"COALESCE(gender, '{NO_VALUE}')"
    person = ("CASE WHEN user_id IS NOT NULL THEN 'u:' || CAST(user_id AS VARCHAR(20)) "
              "ELSE 'a:' || anonymous_id END")
    has_person = "WHERE user_id IS NOT NULL OR anonymous_id IS NOT NULL"
    statements = [f"DELETE FROM {table}" for table in ROLLUP_TABLE_NAMES] + [
        f"INSERT INTO rollup_daily (day, name, age_group, gender, events) SELECT {day}, name, "
        f"{age_group}, {gender}, COUNT(*) FROM events GROUP BY 1, 2, 3, 4",
        f"INSERT INTO rollup_monthly (month, name, age_group, gender, events) SELECT {month}, "
        f"name, {age_group}, {gender}, COUNT(*) FROM events GROUP BY 1, 2, 3, 4",
        f"INSERT INTO rollup_daily_totals (day, age_group, gender, events) SELECT {day}, "
        f"{age_group}, {gender}, COUNT(*) FROM events GROUP BY 1, 2, 3",
        f"INSERT INTO rollup_hourly (hour, name, age_group, gender, events) SELECT {hour}, "
        f"name, {age_group}, {gender}, COUNT(*) FROM events GROUP BY 1, 2, 3, 4",
        f"INSERT INTO rollup_hourly_totals (hour, age_group, gender, events) SELECT {hour}, "
        f"{age_group}, {gender}, COUNT(*) FROM events GROUP BY 1, 2, 3",
        f"INSERT INTO rollup_daily_people (day, person, age_group, gender) SELECT DISTINCT "
        f"{day}, {person}, {age_group}, {gender} FROM events {has_person}",
        f"INSERT INTO rollup_monthly_people (month, person, age_group, gender) SELECT DISTINCT "
        f"{month}, {person}, {age_group}, {gender} FROM events {has_person}",
    ]
    for statement in statements:
        db.session.execute(text(statement))
