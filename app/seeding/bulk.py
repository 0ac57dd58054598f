"""Bulk loading for benchmarks: millions of events straight into the database, with the
rollups built in the same pass.

Events are generated in time order, one day at a time, so every index on the events table
grows at its end; SQLite gets plain executemany in large transactions, Postgres gets COPY.
"""

import contextlib
import functools
import multiprocessing
import queue
import random
import secrets
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, text

from app.extensions import db
from app.models import GENDERS, User, age_group_for
from app.track.rollups import COUNTED_ROLLUPS, SQLITE_UPSERTS, RollupBatch

BULK_FEATURES = (
    "page_view", "date_filter", "bar_chart_click", "line_chart_hover", "age_filter",
    "gender_filter", "refresh_data", "sign_in", "sign_out", "export_csv", "theme_toggle",
    "filter_reset", "feature_clear", "signup_click", "pricing_view", "docs_search",
    "invite_sent", "plan_upgrade", "api_key_created", "report_shared",
)
WEEKDAY_WEIGHTS = (1.15, 1.2, 1.2, 1.15, 1.0, 0.55, 0.45)
HOUR_WEIGHTS = (0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.4, 1.9, 2.1, 2.0,
                1.6, 1.9, 2.1, 2.0, 1.8, 1.4, 1.0, 0.8, 0.7, 0.6, 0.4, 0.3)
CHUNK_ROWS = 100_000
PAGES = ("/", "/pricing", "/docs", "/blog", "/signup", "/dashboard", "/settings", "/about")
EVENT_COLUMNS = ("uuid", "name", "user_id", "session_id", "page_url", "occurred_at",
                 "received_at", "age_group", "gender")


class Progress:
    """A one-line progress bar with the insert rate, on stderr."""

    def __init__(self, total: int, label: str):
        self.total, self.label = total, label
        self.started = time.monotonic()
        self.done = 0

    def advance(self, count: int) -> None:
        self.done += count
        elapsed = max(time.monotonic() - self.started, 1e-9)
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        sys.stderr.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] "
                         f"{self.done:,}/{self.total:,} events, {self.done / elapsed:,.0f}/s")
        sys.stderr.flush()

    def finish(self) -> float:
        sys.stderr.write("\n")
        return time.monotonic() - self.started


def ensure_bulk_users(count: int, password_hash: str, rng: random.Random) -> list[tuple]:
    """user1..userN (created when missing); returns (id, age_group, gender) per user."""
    existing = {user.username: user for user in db.session.execute(select(User)).scalars()}
    for index in range(1, count + 1):
        name = f"user{index}"
        if name not in existing:
            user = User(username=name, password_hash=password_hash,
                        age=rng.randint(13, 75), gender=rng.choice(GENDERS))
            db.session.add(user)
            existing[name] = user
    db.session.commit()
    return [(existing[f"user{index}"].id, age_group_for(existing[f"user{index}"].age),
             existing[f"user{index}"].gender) for index in range(1, count + 1)]


def events_per_day(total: int, days: list[date]) -> list[int]:
    """Split the total over the days by weekday rhythm and yearly growth, exactly."""
    weights = [WEEKDAY_WEIGHTS[day.weekday()] * (1 + index / len(days))
               for index, day in enumerate(days)]
    scale = total / sum(weights)
    counts = [int(weight * scale) for weight in weights]
    for index in range(total - sum(counts)):
        counts[index % len(counts)] += 1
    return counts


# "HH:MM:SS" for every second of a day: formatting 10M timestamps must not call strftime.
CLOCK = [f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
         for second in range(86400)]


class DayBatch:
    """One day's generated events as parallel columns (cheap to build, count and write)."""

    def __init__(self, day: date, count: int, users: list[tuple], rng: random.Random,
                 run: str, serial: int):
        self.day = day
        hours = rng.choices(range(24), weights=HOUR_WEIGHTS, k=count)
        # random() rather than randrange(): 0.28 against 0.35 µs a draw (timeit, 100k).
        uniform = rng.random
        self.seconds = sorted([hour * 3600 + int(uniform() * 3600) for hour in hours])
        self.names = rng.choices(BULK_FEATURES, k=count)
        self.people = rng.choices(users, k=count)
        self.pages = rng.choices(PAGES, k=count)
        self.uuids = [f"{run}-0000-4000-8000-{number:012x}"
                      for number in range(serial, serial + count)]
        tag = day.strftime("%Y%m%d")
        self.sessions = [f"bulk-{user[0]}-{tag}" for user in self.people]

    def stamps(self, suffix: str) -> list[str]:
        prefix = self.day.isoformat() + " "
        return [prefix + CLOCK[second] + suffix for second in self.seconds]

    def add_to(self, batch: RollupBatch) -> None:
        """Count this day into the rollups, with C-speed Counters over zipped columns.

        Keyed by (hour, feature, age group, gender), not by user: a day has at most a few
        thousand such keys against tens of thousands of events, and the Python loop below
        runs once per key."""
        midnight = datetime(self.day.year, self.day.month, self.day.day, tzinfo=UTC)
        hours = [second // 3600 for second in self.seconds]
        groups = [user[1:] for user in self.people]
        per_hour = Counter(zip(hours, self.names, groups, strict=True))
        month = self.day.replace(day=1)
        moments = [midnight + timedelta(hours=hour) for hour in range(24)]
        for (hour, name, (age_group, gender)), count in per_hour.items():
            moment = moments[hour]
            batch.hourly[(moment, name, age_group, gender)] += count
            batch.hourly_totals[(moment, age_group, gender)] += count
            batch.daily[(self.day, name, age_group, gender)] += count
            batch.monthly[(month, name, age_group, gender)] += count
            batch.daily_totals[(self.day, age_group, gender)] += count
        for user_id, age_group, gender in set(self.people):
            batch.people.add((self.day, f"u:{user_id}", age_group, gender))
            batch.monthly_people.add((month, f"u:{user_id}", age_group, gender))


SQLITE_INSERT_EVENT = (f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) "  # noqa: S608 - constants
                       f"VALUES ({', '.join('?' * len(EVENT_COLUMNS))})")


def sqlite_rows(day_batch: DayBatch) -> list[tuple]:
    """The day's events as insert tuples in EVENT_COLUMNS order."""
    stamps = day_batch.stamps(".000000")
    return list(zip(day_batch.uuids, day_batch.names, (user[0] for user in day_batch.people),
                    day_batch.sessions, day_batch.pages, stamps, stamps,
                    (user[1] for user in day_batch.people),
                    (user[2] for user in day_batch.people), strict=True))


def postgres_lines(day_batch: DayBatch) -> str:
    """The day's events as COPY text in EVENT_COLUMNS order."""
    stamps = day_batch.stamps("+00")
    return "".join(
        f"{uuid}\t{name}\t{user[0]}\t{session}\t{page}\t{stamp}\t{stamp}\t{user[1]}\t{user[2]}\n"
        for uuid, name, user, session, page, stamp in zip(
            day_batch.uuids, day_batch.names, day_batch.people, day_batch.sessions,
            day_batch.pages, stamps, strict=True))


def write_sqlite(rows: list[tuple]) -> None:
    connection = db.session.connection().connection.driver_connection
    connection.executemany(SQLITE_INSERT_EVENT, rows)


def write_postgres(lines: str) -> None:
    cursor = db.session.connection().connection.driver_connection.cursor()
    with cursor.copy(f"COPY events ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
        copy.write(lines)


@dataclass(frozen=True)
class LoadPlan:
    """Everything the generator needs, picklable for the producer process."""

    days: tuple[date, ...]
    counts: tuple[int, ...]
    users: tuple[tuple, ...]
    rng_state: tuple
    run: str
    dialect: str


def generate(plan: LoadPlan, deliver) -> None:
    """Generate the plan's events day by day in time order: deliver (count, payload) per
    day, ready for the dialect's writer, then (0, (rollup row count, rollups)) with the
    rollups ready for write_rollups."""
    rng = random.Random()
    rng.setstate(plan.rng_state)
    encode = postgres_lines if plan.dialect == "postgresql" else sqlite_rows
    batch = RollupBatch()
    serial = 0
    for day, count in zip(plan.days, plan.counts, strict=True):
        day_batch = DayBatch(day, count, list(plan.users), rng, plan.run, serial)
        serial += count
        day_batch.add_to(batch)
        deliver((count, encode(day_batch)))
    rollup_rows = (sum(len(getattr(batch, attribute)) for *_, attribute in COUNTED_ROLLUPS)
                   + len(batch.people) + len(batch.monthly_people))
    rollups = batch if plan.dialect == "postgresql" else sqlite_rollup_rows(batch)
    deliver((0, (rollup_rows, rollups)))


def produce(plan: LoadPlan, outbox) -> None:
    """The producer process: generate into a bounded queue (None after a failure)."""
    try:
        generate(plan, outbox.put)
    except BaseException:
        outbox.put(None)
        raise


def produced(plan: LoadPlan):
    """The plan's deliveries, generated in a second process so that making events in
    Python overlaps writing them (the database work stays in this process)."""
    context = multiprocessing.get_context("spawn")
    # A few days ahead at most: each holds a day of rows in memory.
    outbox = context.Queue(maxsize=4)
    producer = context.Process(target=produce, args=(plan, outbox), daemon=True)
    producer.start()
    try:
        while True:
            try:
                item = outbox.get(timeout=5)
            except queue.Empty:
                if not producer.is_alive():
                    raise RuntimeError("the event generator stopped unexpectedly") from None
                continue
            if item is None:
                raise RuntimeError("the event generator failed (its error is above)")
            yield item
            if item[0] == 0:
                return
    finally:
        if producer.is_alive():
            producer.terminate()
        producer.join()


def copy_rollups_postgres(batch: RollupBatch) -> None:
    """COPY each rollup's rows in key order (see copy_rollup_postgres)."""
    cursor = db.session.connection().connection.driver_connection.cursor()
    for table, keys, attribute in COUNTED_ROLLUPS:
        rows = ((*key, count) for key, count in sorted(getattr(batch, attribute).items()))
        copy_rollup_postgres(cursor, table, (*keys, "events"), rows,
                             f"ON CONFLICT ({', '.join(keys)}) "
                             f"DO UPDATE SET events = {table}.events + excluded.events")
    people_columns = ("day", "person", "age_group", "gender")
    copy_rollup_postgres(cursor, "rollup_daily_people", people_columns,
                         sorted(batch.people), "ON CONFLICT DO NOTHING")
    copy_rollup_postgres(cursor, "rollup_monthly_people", ("month", *people_columns[1:]),
                         sorted(batch.monthly_people), "ON CONFLICT DO NOTHING")


def copy_rollup_postgres(cursor, table: str, columns: tuple, rows, on_conflict: str) -> None:
    """COPY rows straight into an empty rollup table. Into a non-empty one (an earlier
    load, or live events), COPY into a temporary table and merge with `on_conflict`: the
    merge took twice as long as the COPY on a fresh database."""
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")  # noqa: S608 - constants
    target = table
    if cursor.fetchone()[0]:
        target = f"bulk_{table}"
        cursor.execute(f"CREATE TEMP TABLE {target} (LIKE {table}) ON COMMIT DROP")
    with cursor.copy(f"COPY {target} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    if target != table:
        cursor.execute(f"INSERT INTO {table} SELECT * FROM {target} {on_conflict}")  # noqa: S608


def sqlite_rollup_rows(batch: RollupBatch) -> list[tuple[str, list[tuple]]]:
    """(statement, parameter rows) per rollup table, sorted by primary key so each table's
    B-tree grows at its end. Built by the producer, so the writer only executes them."""
    prepared = []
    for attribute, statement in SQLITE_UPSERTS:
        values = getattr(batch, attribute)
        # Only the first part of a key is a date or time; the rest are strings already.
        if isinstance(values, Counter):
            rows = [(sqlite_param(key[0]), *key[1:], count)
                    for key, count in sorted(values.items())]
        else:
            rows = [(sqlite_param(key[0]), *key[1:]) for key in sorted(values)]
        prepared.append((statement, rows))
    return prepared


def write_rollups(rollups, dialect: str) -> None:
    """Add the counts to the rollup tables with the driver's own bulk paths (millions of
    rows: SQLAlchemy's per-row work would dominate)."""
    if dialect == "postgresql":
        copy_rollups_postgres(rollups)
        return
    cursor = db.session.connection().connection.driver_connection.cursor()
    for statement, rows in rollups:
        cursor.executemany(statement, rows)


@functools.cache
def sqlite_param(value: date) -> str:
    """Dates and times in the ORM's SQLite storage format (few distinct values: cached)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.000000")
    return value.isoformat()


# Secondary indexes are dropped during a bulk load and rebuilt once at the end: building an
# index over sorted data is far cheaper than maintaining it row by row.
SECONDARY_INDEXES = {
    "ix_events_occurred_at": "events (occurred_at)",
    "ix_events_name_occurred_at": "events (name, occurred_at)",
}


# Postgres checks the foreign key with one lookup per copied row and keeps the uuid
# constraint's index row by row; adding both back at the end checks every row in one pass.
POSTGRES_DEFERRED_CONSTRAINTS = {
    "uq_events_uuid": "UNIQUE (uuid)",
    "fk_events_user_id_users": "FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL",
}


@contextlib.contextmanager
def checks_deferred(dialect: str):
    """Drop the events table's secondary indexes (and on Postgres its uuid and user
    constraints), and always put them back. Meant for a database nobody else writes to:
    while the uuid constraint is gone, ingestion's ON CONFLICT (uuid) cannot run."""
    constraints = POSTGRES_DEFERRED_CONSTRAINTS if dialect == "postgresql" else {}
    for name in SECONDARY_INDEXES:
        db.session.execute(text(f"DROP INDEX IF EXISTS {name}"))
    for name in constraints:
        db.session.execute(text(f"ALTER TABLE events DROP CONSTRAINT IF EXISTS {name}"))
    db.session.commit()
    try:
        yield
    finally:
        db.session.rollback()
        for name, target in SECONDARY_INDEXES.items():
            db.session.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON {target}"))
        for name, definition in constraints.items():
            db.session.execute(text(f"ALTER TABLE events ADD CONSTRAINT {name} {definition}"))
        db.session.commit()


def bulk_load(total_events: int, user_count: int, password_hash: str, seed: int = 7) -> dict:
    """Load `total_events` over the last 365 days by `user_count` users; return timings."""
    rng = random.Random(seed)
    users = ensure_bulk_users(user_count, password_hash, rng)
    dialect = db.session.get_bind().dialect.name
    write = write_postgres if dialect == "postgresql" else write_sqlite
    if dialect == "sqlite":
        # A benchmark load is re-run, not recovered, after a crash. The user ids come from
        # the users table just read, so the per-row foreign-key lookup proves nothing. The
        # index builds ran fastest with SQLite's small default page cache (10M rows: 30 s,
        # against 40 s with our usual 32 MiB and 67 s with 1 GiB).
        for pragma in ("synchronous = OFF", "foreign_keys = OFF", "cache_size = -2000"):
            db.session.execute(text(f"PRAGMA {pragma}"))
    else:
        # A benchmark load is re-run, not recovered, after a crash: skip the WAL flush
        # per commit, and give the index rebuilds memory to sort in.
        db.session.execute(text("SET synchronous_commit = off"))
        db.session.execute(text("SET maintenance_work_mem = '1GB'"))
    today = datetime.now(UTC).date()
    days = [today - timedelta(days=offset) for offset in range(365, 0, -1)]
    # Each load adds events: a fresh tag keeps its uuids apart from an earlier load's, which
    # the seeded generator would otherwise repeat once the users exist.
    run = secrets.token_hex(4)
    plan = LoadPlan(days=tuple(days), counts=tuple(events_per_day(total_events, days)),
                    users=tuple(users), rng_state=rng.getstate(), run=run, dialect=dialect)
    progress = Progress(total_events, f"loading into {dialect}")
    uncommitted = 0
    rollup_rows, rollups = 0, None
    with checks_deferred(dialect):
        for count, payload in produced(plan):
            if count == 0:
                rollup_rows, rollups = payload
                continue
            write(payload)
            uncommitted += count
            progress.advance(count)
            if uncommitted >= CHUNK_ROWS:
                db.session.commit()
                uncommitted = 0
        progress.finish()
        phase_started = time.monotonic()
        write_rollups(rollups, dialect)
        db.session.commit()
        sys.stderr.write(f"rollups written in {time.monotonic() - phase_started:.1f} s; "
                         "rebuilding indexes...\n")
        phase_started = time.monotonic()
    sys.stderr.write(f"indexes rebuilt in {time.monotonic() - phase_started:.1f} s\n")
    if dialect == "postgresql":
        phase_started = time.monotonic()
        # Fresh statistics and visibility map, or the first queries plan as if the tables
        # were empty and cannot use index-only scans (autovacuum gets there only later).
        sys.stderr.write("vacuum analyze...\n")
        db.session.remove()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
        sys.stderr.write(f"vacuumed in {time.monotonic() - phase_started:.1f} s\n")
    # The load's session settings must not outlive it in a pooled connection.
    db.session.remove()
    db.engine.dispose()
    seconds = time.monotonic() - progress.started
    return {"events": total_events, "users": user_count, "seconds": seconds,
            "rate": total_events / seconds,
            "rollup_rows": rollup_rows}
