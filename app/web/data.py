"""The web domain's SQL: salts, visits, the web rollups, the visitor-day tables, and their
rebuild. Every value is a bound parameter; table and column names are our constants.
"""

import functools
import hashlib
from collections import Counter
from datetime import UTC, date, datetime

from sqlalchemy import and_, bindparam, delete, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import Event, Visit, VisitSalt, sqlite_value
from app.web.tables import (
    MEASURES,
    visitor_day_pairs,
    visitor_days,
    visitor_hours,
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


def dialect_name() -> str:
    """The backend of the session's connection."""
    return db.session.get_bind().dialect.name


def upsert(table):
    """An INSERT ... ON CONFLICT construct of the session's backend."""
    return (postgresql.insert(table) if dialect_name() == "postgresql"
            else sqlite.insert(table))


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


def placeholders(count: int) -> str:
    """"?, ?, ..." for an IN list of `count` values."""
    return ", ".join("?" * count)


def from_sqlite_text(text_value: str) -> datetime:
    """An aware UTC datetime from the naive UTC text UTCDateTime stores on SQLite."""
    return datetime.fromisoformat(text_value).replace(tzinfo=UTC)


def stored_uuids(uuids: list[str]) -> set[str]:
    """Which of these event uuids are stored already."""
    found: set[str] = set()
    sqlite = dialect_name() == "sqlite"
    for start in range(0, len(uuids), 500):
        chunk = uuids[start:start + 500]
        if sqlite:
            found.update(uuid for (uuid,) in sqlite_cursor().execute(
                f"SELECT uuid FROM events WHERE uuid IN ({placeholders(len(chunk))})",  # noqa: S608
                chunk))
            continue
        found.update(db.session.execute(
            select(events.c.uuid).where(events.c.uuid.in_(chunk))).scalars())
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
    db.session.execute(text(
        "SELECT count(pg_advisory_xact_lock(k)) FROM unnest(CAST(:keys AS bigint[])) AS k"),
        {"keys": keys})


def load_visits(project_id: int, visitors: set[str], visit_ids: set[str],
                since: datetime) -> list[dict]:
    """A project's visits that the given visitors may continue (ended at or after
    `since`), and its visits with the given ids.
    """
    found: dict[str, dict] = {}
    listed_visitors, listed_ids = sorted(visitors), sorted(visit_ids)
    if dialect_name() == "sqlite":
        return load_visits_sqlite(project_id, listed_visitors, listed_ids, since)
    for start in range(0, max(len(listed_visitors), len(listed_ids)), 500):
        clauses = []
        if listed_visitors[start:start + 500]:
            clauses.append(and_(visits.c.visitor_id.in_(listed_visitors[start:start + 500]),
                                visits.c.ended_at >= since))
        if listed_ids[start:start + 500]:
            clauses.append(visits.c.visit_id.in_(listed_ids[start:start + 500]))
        query = select(visits).where(visits.c.project_id == project_id, or_(*clauses))
        for row in db.session.execute(query).mappings():
            found[row["visit_id"]] = dict(row)
    return list(found.values())


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
    if dialect_name() == "sqlite":  # positional rows through the driver, as for rollups
        cursor = db.session.connection().connection.driver_connection.cursor()
        cursor.executemany(SQLITE_SAVE_VISIT, [
            tuple(sqlite_value(row[name]) if name in ("started_at", "ended_at") else row[name]
                  for name in VISIT_FIELDS) for row in rows])
        return
    statement = upsert(visits)
    statement = statement.on_conflict_do_update(
        index_elements=["project_id", "visit_id"],
        set_={name: statement.excluded[name] for name in VISIT_CHANGES})
    db.session.execute(statement, rows)


def add_to_rollups(deltas: dict) -> None:
    """Add measure deltas to web_rollup_daily/monthly: keys (period kind, date, dimension,
    value) -> (visits, pageviews, bounces, duration_seconds, events). Sorted, so concurrent
    writers lock rows in the same order.
    """
    if dialect_name() == "sqlite":
        add_to_rollups_sqlite(deltas)
        return
    for kind, table in (("hour", web_hourly), ("day", web_daily), ("month", web_monthly)):
        rows = [{"project_id": project_id, kind: period, "dimension": dimension,
                 "value": value[:500], **dict(zip(MEASURES, measures, strict=True))}
                for (key_kind, project_id, period, dimension, value), measures
                in sorted(deltas.items()) if key_kind == kind and any(measures)]
        if not rows:
            continue
        statement = upsert(table)
        statement = statement.on_conflict_do_update(
            index_elements=["project_id", kind, "dimension", "value"],
            set_={name: table.c[name] + statement.excluded[name] for name in MEASURES})
        db.session.execute(statement, rows)


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
            cursor.executemany(sqlite_rollup_upsert(table.name, kind), rows)


@functools.cache
def sqlite_rollup_upsert(table: str, period: str) -> str:
    """The positional upsert that adds measures to one web rollup table."""
    columns = ("project_id", period, "dimension", "value", *MEASURES)
    added = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in MEASURES)
    return (f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - constants
            f"VALUES ({', '.join('?' * len(columns))}) "
            f"ON CONFLICT (project_id, {period}, dimension, value) DO UPDATE SET {added}")


def add_visitor_hours(present: set[tuple]) -> None:
    """Record (project, hour, visitor) presences; known ones are kept as they are."""
    if not present:
        return
    if dialect_name() == "sqlite":
        cursor = db.session.connection().connection.driver_connection.cursor()
        cursor.executemany(
            "INSERT INTO visitor_hours (project_id, hour, visitor_id) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            [(project_id, sqlite_value(hour), visitor)
             for project_id, hour, visitor in sorted(present)])
        return
    statement = upsert(visitor_hours).on_conflict_do_nothing()
    db.session.execute(statement, [
        {"project_id": project_id, "hour": hour, "visitor_id": visitor}
        for project_id, hour, visitor in sorted(present)])


def load_visitor_days(project_id: int, visitors: set[str]) -> dict[str, list[date]]:
    """Each visitor's known days, sorted."""
    days: dict[str, list[date]] = {}
    listed = sorted(visitors)
    sqlite = dialect_name() == "sqlite"
    for start in range(0, len(listed), 500):
        chunk = listed[start:start + 500]
        if sqlite:
            for visitor, day in sqlite_cursor().execute(
                    "SELECT visitor_id, day FROM visitor_days WHERE project_id = ? "  # noqa: S608
                    f"AND visitor_id IN ({placeholders(len(chunk))}) ORDER BY visitor_id, day",
                    [project_id, *chunk]):
                days.setdefault(visitor, []).append(date.fromisoformat(day))
            continue
        query = (select(visitor_days.c.visitor_id, visitor_days.c.day)
                 .where(visitor_days.c.project_id == project_id,
                        visitor_days.c.visitor_id.in_(listed[start:start + 500]))
                 .order_by(visitor_days.c.visitor_id, visitor_days.c.day))
        for visitor, day in db.session.execute(query):
            days.setdefault(visitor, []).append(day)
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
        db.session.execute(visitor_days.insert(), [
            {"project_id": project_id, "visitor_id": visitor, "day": day, "prev_day": previous}
            for visitor, day, previous in inserts])
    if relinks:
        db.session.execute(
            update(visitor_days)
            .where(visitor_days.c.project_id == project_id,
                   visitor_days.c.visitor_id == bindparam("b_visitor"),
                   visitor_days.c.day == bindparam("b_day"))
            .values(prev_day=bindparam("b_prev")),
            [{"b_visitor": visitor, "b_day": day, "b_prev": previous}
             for visitor, day, previous in relinks])
    changed = [{"project_id": project_id, "day": day, "prev_day": previous, "visitors": n}
               for (day, previous), n in sorted(counts.items()) if n]
    if changed:
        statement = upsert(visitor_day_pairs)
        statement = statement.on_conflict_do_update(
            index_elements=["project_id", "day", "prev_day"],
            set_={"visitors": visitor_day_pairs.c.visitors + statement.excluded.visitors})
        db.session.execute(statement, changed)


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
        cursor.executemany(
            "INSERT INTO visitor_day_pairs (project_id, day, prev_day, visitors) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (project_id, day, prev_day) "
            "DO UPDATE SET visitors = visitor_day_pairs.visitors + excluded.visitors",
            changed)
