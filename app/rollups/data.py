"""The rollups' SQL, derived from app.rollups.definition: ingest upserts, the Postgres
insert that stores a batch and counts it in one statement, the rebuild, and the bulk COPY.

Table and column names come from the definition (constants of ours), never from input;
every value is a bound parameter.
"""

import functools

from sqlalchemy import TextClause, text

from app.event_rows import EVENT_COLUMNS, VISIT_COLUMNS
from app.extensions import db
from app.rollups import definition
from app.rollups.counting import RollupCounts
from app.rollups.definition import Measure, Rollup

POSTGRES_EVENT_TYPES = {
    "uuid": "varchar", "name": "varchar", "user_id": "bigint", "anonymous_id": "varchar",
    "session_id": "varchar", "page_url": "varchar", "referrer": "varchar",
    "properties": "jsonb", "occurred_at": "timestamptz", "received_at": "timestamptz",
    "age_group": "varchar", "gender": "varchar", "project_id": "integer",
    "is_bot": "boolean",
    **{name: "varchar" for name in VISIT_COLUMNS + ("visitor_id", "hostname", "pathname")},
}


def upsert_clause(rollup: Rollup, new_values: str = "excluded") -> str:
    """ON CONFLICT for a rollup: counts are added to an existing row, presence is kept once."""
    if rollup.measure is Measure.EVENTS:
        return (f"ON CONFLICT ({', '.join(rollup.key_columns)}) "
                f"DO UPDATE SET events = {rollup.table}.events + {new_values}.events")
    return "ON CONFLICT DO NOTHING"


@functools.cache
def sqlite_upserts(rollups: tuple[Rollup, ...]) -> tuple[tuple[Rollup, str], ...]:
    """(rollup, positional upsert) per table, for counted increments."""
    return tuple((rollup, (
        f"INSERT INTO {rollup.table} ({', '.join(rollup.columns)}) "  # noqa: S608 - constants
        f"VALUES ({', '.join('?' * len(rollup.columns))}) {upsert_clause(rollup)}"))
        for rollup in rollups)


def write_counts(counts: RollupCounts) -> None:
    """Apply counted increments on SQLite through the driver's executemany (one upsert per
    key; SQLAlchemy's per-row parameter work would cost more than SQLite's).
    """
    cursor = db.session.connection().connection.driver_connection.cursor()
    for rollup, statement in sqlite_upserts(counts.rollups):
        rows = counts.rows(rollup)
        if rows:
            cursor.executemany(statement, rows)


def select_keys(rollup: Rollup, dialect: str, source: str, *, computed: bool = False) -> str:
    """SELECT of the rollup's keys (and COUNT(*) for a count) from `source`: the events
    table, or with `computed` a relation that already has a column per grain and
    dimension under the key column's name.
    """
    if computed:
        keys = list(rollup.key_columns)
        nullable = [dimension.column for dimension in rollup.dimensions if dimension.nullable]
    else:
        keys = [rollup.grain.sql[dialect] if part is rollup.grain else part.sql
                for part in rollup.key_parts]
        nullable = [f"({dimension.sql})" for dimension in rollup.dimensions if dimension.nullable]
    # Bots are stored but counted in no rollup: they are left out of every figure.
    where = " AND ".join(["NOT is_bot", *(f"{expression} IS NOT NULL" for expression in nullable)])
    where = f" WHERE {where}"
    positions = ", ".join(str(index) for index in range(1, len(keys) + 1))
    if rollup.measure is Measure.EVENTS:
        return (f"SELECT {', '.join(keys)}, COUNT(*) FROM {source}{where} "  # noqa: S608
                f"GROUP BY {positions}")
    return f"SELECT DISTINCT {', '.join(keys)} FROM {source}{where}"  # noqa: S608


@functools.cache
def postgres_insert_with_rollups(rollups: tuple[Rollup, ...]) -> TextClause:
    """One statement that stores a batch, skipping known uuids, and counts the new rows
    into every rollup: one round trip, one constant text the server plans once per
    connection. The rows arrive as one JSON array (parameter :rows); the statement returns
    (id, uuid) of the rows inserted. The insert returns each grain and dimension once per
    row; keys go in sorted order, so concurrent batches lock rollup rows in the same order.
    """
    columns = ", ".join(EVENT_COLUMNS)
    record_type = ", ".join(f"{name} {POSTGRES_EVENT_TYPES[name]}" for name in EVENT_COLUMNS)
    computed = [f"{grain.sql['postgresql']} AS {grain.column}"
                for grain in definition.grains_of(rollups)]
    computed += [f"{dimension.sql} AS {dimension.column}"
                 for dimension in definition.dimensions_of(rollups)]
    parts = [
        f"incoming AS (SELECT * FROM json_to_recordset(CAST(:rows AS json)) AS r({record_type}))",
        f"inserted AS (INSERT INTO events ({columns}) SELECT {columns} FROM incoming "
        f"ON CONFLICT (uuid) DO NOTHING RETURNING id, uuid, is_bot, {', '.join(computed)})",
    ]
    for index, rollup in enumerate(rollups):
        selected = select_keys(rollup, "postgresql", "inserted", computed=True)
        order = ", ".join(str(position) for position in range(1, len(rollup.key_columns) + 1))
        parts.append(
            f"rollup_{index} AS (INSERT INTO {rollup.table} ({', '.join(rollup.columns)}) "
            f"{selected} ORDER BY {order} {upsert_clause(rollup, 'EXCLUDED')})")
    return text(f"WITH {', '.join(parts)} SELECT id, uuid FROM inserted")  # noqa: S608


def rebuild(rollups: tuple[Rollup, ...] | None = None) -> None:
    """Recount every rollup from the events table (after bulk deletes such as a seed reset).

    No commit: the caller's transaction, so readers see either the old or the new counts.
    Migrations keep their own copy of such SQL on purpose: a migration must keep doing what
    it did when it was written, whatever this module becomes.
    """
    rollups = definition.ROLLUPS if rollups is None else rollups
    dialect = db.session.get_bind().dialect.name
    for rollup in rollups:
        db.session.execute(text(f"DELETE FROM {rollup.table}"))  # noqa: S608 - constants
        db.session.execute(text(
            f"INSERT INTO {rollup.table} ({', '.join(rollup.columns)}) "  # noqa: S608
            f"{select_keys(rollup, dialect, 'events')}"))


def copy_rollup(cursor, rollup: Rollup, rows: list[tuple]) -> None:
    """COPY rows straight into an empty rollup table. Into a non-empty one (an earlier
    load, or live events), COPY into a temporary table and merge with the upsert: the
    merge took twice as long as the COPY on a fresh database.
    """
    table = rollup.table
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")  # noqa: S608 - constants
    target = table
    if cursor.fetchone()[0]:
        target = f"bulk_{table}"
        cursor.execute(f"CREATE TEMP TABLE {target} (LIKE {table}) ON COMMIT DROP")
    with cursor.copy(f"COPY {target} ({', '.join(rollup.columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    if target != table:
        cursor.execute(f"INSERT INTO {table} ({', '.join(rollup.columns)}) "  # noqa: S608
                       f"SELECT {', '.join(rollup.columns)} FROM {target} "
                       f"{upsert_clause(rollup)}")


def write_rows(rollup_rows: list[tuple[Rollup, list[tuple]]]) -> None:
    """Add many prepared rows to their rollups with the driver's own bulk paths (the bulk
    loader's millions of rows: SQLAlchemy's per-row work would dominate). Rows come from
    RollupCounts.rows, keyed in the backend's storage format.
    """
    connection = db.session.connection()
    cursor = connection.connection.driver_connection.cursor()
    postgres = connection.dialect.name == "postgresql"
    upserts = dict(sqlite_upserts(tuple(rollup for rollup, _ in rollup_rows)))
    for rollup, rows in rollup_rows:
        if postgres:
            copy_rollup(cursor, rollup, rows)
        else:
            cursor.executemany(upserts[rollup], rows)
