"""The web domain's SQL: salts, visits, the web rollups, the visitor-day tables, and their
rebuild. Every value is a bound parameter; table and column names are our constants.
"""

import functools
import hashlib
import json
from collections import Counter
from datetime import UTC, date, datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import Event, Visit, VisitSalt, sqlite_value
from app.web.tables import (
    MEASURES,
    web_daily,
    web_hourly,
    web_monthly,
)

events = Event.__table__
visits = Visit.__table__
salts = VisitSalt.__table__
VISIT_FIELDS = tuple(column.name for column in visits.columns)
# What a visit's later events change; its source, device and country stay its first's.
VISIT_CHANGES = ("started_at", "ended_at", "entry_page", "exit_page", "pageviews", "events")
SQLITE_SAVE_VISIT = (
    f"INSERT INTO visits ({', '.join(VISIT_FIELDS)}) "  # noqa: S608 - constants
    f"VALUES ({', '.join('?' * len(VISIT_FIELDS))}) ON CONFLICT (project_id, visit_id) "
    f"DO UPDATE SET {', '.join(f'{name} = excluded.{name}' for name in VISIT_CHANGES)}")


SAVE_DAY_PAIRS = (
    "INSERT INTO visitor_day_pairs (project_id, day, prev_day, visitors) "
    "VALUES (?, ?, ?, ?) ON CONFLICT (project_id, day, prev_day) "
    "DO UPDATE SET visitors = visitor_day_pairs.visitors + excluded.visitors")
POSTGRES_SAVE_VISIT = SQLITE_SAVE_VISIT.replace("?", "%s")
POSTGRES_LOAD_VISITS = (
    f"SELECT {', '.join(VISIT_FIELDS)} FROM visits WHERE project_id = %s "  # noqa: S608
    "AND ((visitor_id = ANY(%s) AND ended_at >= %s) OR visit_id = ANY(%s))")


def dialect_name() -> str:
    """The backend of the session's connection."""
    return db.session.get_bind().dialect.name


def rotate_salts(today: date, fresh_salt: bytes, *, keep_after: date) -> bytes:
    """Today's salt (stored on first use) after deleting those before `keep_after`, in its
    own committed transaction: every process must agree on the day's salt.
    """
    with db.engine.begin() as connection:
        connection.execute(delete(salts).where(salts.c.day < keep_after))
        statement = (postgresql.insert(salts) if connection.dialect.name == "postgresql"
                     else sqlite.insert(salts))
        connection.execute(statement.values(day=today, salt=fresh_salt)
                           .on_conflict_do_nothing(index_elements=["day"]))
        return connection.execute(select(salts.c.salt).where(salts.c.day == today)
                                  ).scalar_one()


def sqlite_cursor():
    """The SQLite driver's cursor on the session's connection. The write path's lookups go
    through it with positional parameters: for a lone tracker event, SQLAlchemy's
    statement handling cost more than SQLite's index seeks.
    """
    return db.session.connection().connection.driver_connection.cursor()


def postgres_run(sql: str, params) -> object:
    """Constant SQL through the Postgres driver on the session's connection (a tuple of
    parameters, or a list of them for executemany). The write path's statements go this
    way: building and compiling a SQLAlchemy construct per call cost more than the
    statement (about 3 ms of a lone tracker event's 11).
    """
    return db.session.connection().exec_driver_sql(sql, params)


def placeholders(count: int) -> str:
    """"?, ?, ..." for an IN list of `count` values."""
    return ", ".join("?" * count)


def from_sqlite_text(text_value: str) -> datetime:
    """An aware UTC datetime from the naive UTC text UTCDateTime stores on SQLite."""
    return datetime.fromisoformat(text_value).replace(tzinfo=UTC)


def stored_uuids(uuids: list[str]) -> set[str]:
    """Which of these event uuids are stored already."""
    if dialect_name() == "postgresql":
        return {uuid for (uuid,) in postgres_run(
            "SELECT uuid FROM events WHERE uuid = ANY(%s)", (list(uuids),))}
    found: set[str] = set()
    for start in range(0, len(uuids), 500):
        chunk = uuids[start:start + 500]
        found.update(uuid for (uuid,) in sqlite_cursor().execute(
            f"SELECT uuid FROM events WHERE uuid IN ({placeholders(len(chunk))})",  # noqa: S608
            chunk))
    return found


def lock_key(project_id: int, visitor_id: str) -> int:
    """A signed 64-bit advisory lock key for one visitor of one project."""
    digest = hashlib.blake2b(f"{project_id}:{visitor_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_visitors(visitors: set[tuple[int, str]]) -> None:
    """On Postgres, hold each visitor's lock until commit, so two transactions never settle
    the same visitor's visits and days at once (in sorted order: no deadlock). SQLite's
    single writer needs none.
    """
    if dialect_name() != "postgresql" or not visitors:
        return
    keys = sorted({lock_key(project_id, visitor) for project_id, visitor in visitors})
    postgres_run("SELECT count(pg_advisory_xact_lock(k)) FROM unnest(CAST(%s AS bigint[])) AS k",
                 (keys,))


def load_visits(project_id: int, visitors: set[str], visit_ids: set[str],
                since: datetime) -> list[dict]:
    """A project's visits that the given visitors may continue (ended at or after
    `since`), and its visits with the given ids.
    """
    listed_visitors, listed_ids = sorted(visitors), sorted(visit_ids)
    if dialect_name() == "sqlite":
        return load_visits_sqlite(project_id, listed_visitors, listed_ids, since)
    found = []
    for values in postgres_run(POSTGRES_LOAD_VISITS,
                               (project_id, listed_visitors, since, listed_ids)):
        row = dict(zip(VISIT_FIELDS, values, strict=True))
        row["started_at"] = row["started_at"].astimezone(UTC)
        row["ended_at"] = row["ended_at"].astimezone(UTC)
        found.append(row)
    return found


def load_visits_sqlite(project_id: int, visitors: list[str], visit_ids: list[str],
                       since: datetime) -> list[dict]:
    """load_visits on SQLite, through the driver."""
    found: dict[str, dict] = {}
    for start in range(0, max(len(visitors), len(visit_ids)), 500):
        some_visitors, some_ids = visitors[start:start + 500], visit_ids[start:start + 500]
        clauses, params = [], [project_id]
        if some_visitors:
            clauses.append(f"(visitor_id IN ({placeholders(len(some_visitors))}) "
                           "AND ended_at >= ?)")
            params += [*some_visitors, sqlite_value(since)]
        if some_ids:
            clauses.append(f"visit_id IN ({placeholders(len(some_ids))})")
            params += some_ids
        query = (f"SELECT {', '.join(VISIT_FIELDS)} FROM visits "  # noqa: S608 - constants
                 f"WHERE project_id = ? AND ({' OR '.join(clauses)})")
        for values in sqlite_cursor().execute(query, params):
            row = dict(zip(VISIT_FIELDS, values, strict=True))
            row["started_at"] = from_sqlite_text(row["started_at"])
            row["ended_at"] = from_sqlite_text(row["ended_at"])
            found[row["visit_id"]] = row
    return list(found.values())


def save_visits(changed: list) -> None:
    """Insert new visits and overwrite changed ones (app.web.visits.Visit objects)."""
    if not changed:
        return
    rows = [{"project_id": visit.project_id, "visit_id": visit.visit_id,
             "visitor_id": visit.visitor_id, "started_at": visit.started_at,
             "ended_at": visit.ended_at, "entry_page": visit.entry_page,
             "exit_page": visit.exit_page, "pageviews": visit.pageviews,
             "events": visit.events, **visit.attributes}
            for visit in sorted(changed, key=lambda visit: (visit.project_id, visit.visit_id))]
    if dialect_name() == "postgresql":  # positional rows through the driver, as for rollups
        postgres_run(POSTGRES_SAVE_VISIT, [tuple(row[name] for name in VISIT_FIELDS)
                                           for row in rows])
        return
    cursor = db.session.connection().connection.driver_connection.cursor()
    cursor.executemany(SQLITE_SAVE_VISIT, [
        tuple(sqlite_value(row[name]) if name in ("started_at", "ended_at") else row[name]
              for name in VISIT_FIELDS) for row in rows])


def add_to_rollups(deltas: dict) -> None:
    """Add measure deltas to web_rollup_daily/monthly: keys (period kind, date, dimension,
    value) -> (visits, pageviews, bounces, duration_seconds, events). Sorted, so concurrent
    writers lock rows in the same order.
    """
    if dialect_name() == "sqlite":
        add_to_rollups_sqlite(deltas)
        return
    rows = [{"kind": kind, "project_id": project_id, "period": period.isoformat(),
             "dimension": dimension, "value": value[:500],
             **dict(zip(MEASURES, measures, strict=True))}
            for (kind, project_id, period, dimension, value), measures in sorted(deltas.items())
            if any(measures)]
    if rows:
        postgres_run(postgres_rollups_upsert(), (json.dumps(rows),))


def add_to_rollups_sqlite(deltas: dict) -> None:
    """add_to_rollups on SQLite, through the driver's executemany with positional rows:
    SQLAlchemy's per-row parameter work cost more than SQLite's upserts.
    """
    cursor = db.session.connection().connection.driver_connection.cursor()
    for kind, table in (("hour", web_hourly), ("day", web_daily), ("month", web_monthly)):
        rows = [(project_id, sqlite_value(period), dimension, value[:500], *measures)
                for (key_kind, project_id, period, dimension, value), measures
                in sorted(deltas.items()) if key_kind == kind and any(measures)]
        if rows:
            cursor.executemany(rollup_upsert(table.name, kind, "?"), rows)


@functools.cache
def postgres_rollups_upsert() -> str:
    """One statement adding a JSON array of deltas (kind, project_id, period, dimension,
    value and the measures) to the three web rollup tables: one round trip, not three.
    Each table's rows go in key order, so concurrent writers lock them in the same order.
    """
    measures = ", ".join(MEASURES)
    record = ", ".join(["kind text", "project_id integer", "period text", "dimension text",
                        "value text", *(f"{name} bigint" for name in MEASURES)])
    parts = [f"incoming AS (SELECT * FROM json_to_recordset(CAST(%s AS json)) AS r({record}))"]  # noqa: S608 - constants
    for kind, table, period_type in (("hour", web_hourly, "timestamptz"),
                                     ("day", web_daily, "date"), ("month", web_monthly, "date")):
        added = ", ".join(f"{name} = {table.name}.{name} + excluded.{name}" for name in MEASURES)
        parts.append(
            f"{kind}_rows AS (INSERT INTO {table.name} (project_id, {kind}, dimension, value, "  # noqa: S608
            f"{measures}) SELECT project_id, CAST(period AS {period_type}), dimension, value, "
            f"{measures} FROM incoming WHERE kind = '{kind}' ORDER BY 1, 2, 3, 4 "
            f"ON CONFLICT (project_id, {kind}, dimension, value) DO UPDATE SET {added})")
    return f"WITH {', '.join(parts)} SELECT 1"  # noqa: S608 - constants


@functools.cache
def rollup_upsert(table: str, period: str, marker: str) -> str:
    """The positional upsert that adds measures to one web rollup table (`marker` is the
    driver's placeholder).
    """
    columns = ("project_id", period, "dimension", "value", *MEASURES)
    added = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in MEASURES)
    return (f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - constants
            f"VALUES ({', '.join([marker] * len(columns))}) "
            f"ON CONFLICT (project_id, {period}, dimension, value) DO UPDATE SET {added}")


def add_visitor_hours(present: set[tuple]) -> None:
    """Record (project, hour, visitor) presences; known ones are kept as they are."""
    if not present:
        return
    statement = ("INSERT INTO visitor_hours (project_id, hour, visitor_id) VALUES (?, ?, ?) "
                 "ON CONFLICT DO NOTHING")
    if dialect_name() == "postgresql":
        postgres_run(statement.replace("?", "%s"), sorted(present))
        return
    sqlite_cursor().executemany(statement, [(project_id, sqlite_value(hour), visitor)
                                            for project_id, hour, visitor in sorted(present)])


def load_visitor_days(project_id: int, visitors: set[str]) -> dict[str, list[date]]:
    """Each visitor's known days, sorted."""
    days: dict[str, list[date]] = {}
    listed = sorted(visitors)
    if dialect_name() == "postgresql":
        for visitor, day in postgres_run(
                "SELECT visitor_id, day FROM visitor_days WHERE project_id = %s "
                "AND visitor_id = ANY(%s) ORDER BY visitor_id, day", (project_id, listed)):
            days.setdefault(visitor, []).append(day)
        return days
    for start in range(0, len(listed), 500):
        chunk = listed[start:start + 500]
        for visitor, day in sqlite_cursor().execute(
                "SELECT visitor_id, day FROM visitor_days WHERE project_id = ? "  # noqa: S608
                f"AND visitor_id IN ({placeholders(len(chunk))}) ORDER BY visitor_id, day",
                [project_id, *chunk]):
            days.setdefault(visitor, []).append(date.fromisoformat(day))
    return days


def save_visitor_days(project_id: int, inserts: list[tuple], relinks: list[tuple],
                      counts: Counter) -> None:
    """Store new visitor days, point the following days at them, and apply the pair
    counts' changes.
    """
    if dialect_name() == "sqlite":
        save_visitor_days_sqlite(project_id, inserts, relinks, counts)
        return
    if inserts:
        postgres_run("INSERT INTO visitor_days (project_id, visitor_id, day, prev_day) "
                     "VALUES (%s, %s, %s, %s)",
                     [(project_id, visitor, day, previous)
                      for visitor, day, previous in inserts])
    if relinks:
        postgres_run("UPDATE visitor_days SET prev_day = %s "
                     "WHERE project_id = %s AND visitor_id = %s AND day = %s",
                     [(previous, project_id, visitor, day)
                      for visitor, day, previous in relinks])
    changed = [(project_id, day, previous, n)
               for (day, previous), n in sorted(counts.items()) if n]
    if changed:
        postgres_run(SAVE_DAY_PAIRS.replace("?", "%s"), changed)


def save_visitor_days_sqlite(project_id: int, inserts: list[tuple], relinks: list[tuple],
                             counts: Counter) -> None:
    """save_visitor_days on SQLite, through the driver."""
    cursor = sqlite_cursor()
    if inserts:
        cursor.executemany(
            "INSERT INTO visitor_days (project_id, visitor_id, day, prev_day) "
            "VALUES (?, ?, ?, ?)",
            [(project_id, visitor, day.isoformat(), previous.isoformat())
             for visitor, day, previous in inserts])
    if relinks:
        cursor.executemany(
            "UPDATE visitor_days SET prev_day = ? "
            "WHERE project_id = ? AND visitor_id = ? AND day = ?",
            [(previous.isoformat(), project_id, visitor, day.isoformat())
             for visitor, day, previous in relinks])
    changed = [(project_id, day.isoformat(), previous.isoformat(), n)
               for (day, previous), n in sorted(counts.items()) if n]
    if changed:
        cursor.executemany(SAVE_DAY_PAIRS, changed)
