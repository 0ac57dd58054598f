"""Storing events: the track domain's data module.

Rows are prepared for the backend, inserted with ON CONFLICT (uuid) DO NOTHING so a
replayed uuid is stored once, and counted into every rollup in the same transaction, so
counts and events never disagree. Nothing here commits: the ingest command decides the
transaction (its own, or a group's through app.track.writer).
"""

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text

from app.event_rows import EVENT_COLUMNS, VISIT_COLUMNS
from app.extensions import db
from app.models import Event, sqlite_datetime_text
from app.people.service import stamp_rows
from app.rollups import data as rollup_data
from app.rollups import definition
from app.rollups.counting import RollupCounts
from app.track.errors import StoreUnavailable
from app.web import visits
from app.web.visits import VisitsChangedError

# SQLite has no data-modifying WITH. A batch goes in with one executemany of a constant
# INSERT (SQLite 3.40 re-parses a JSON object for every json_extract, which made a
# json_each insert several times slower). The insert holds the database's only write
# lock, and each new row takes the next rowid, so the rows it stored have the consecutive
# ids ending at last_insert_rowid(). When every row was stored they map to the rows in
# order; otherwise the ids above that run's start say which uuids were kept.
# Driver-level SQL (positional parameters, rows as tuples in EVENT_COLUMNS order):
# SQLAlchemy's per-row parameter processing cost more than SQLite's insert.
SQLITE_INSERT_EVENT = (
    f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) "  # noqa: S608 - constants
    f"VALUES ({', '.join('?' * len(EVENT_COLUMNS))}) ON CONFLICT (uuid) DO NOTHING")
SQLITE_LAST_INSERTED_ID = "SELECT last_insert_rowid()"
SQLITE_EVENTS_FROM = text("SELECT id, uuid FROM events WHERE id >= :first")


@dataclass
class PreparedRows:
    """Rows turned into what the backend's insert takes, before the write turn: the
    conversion costs about as much as the insert, and only the insert must wait in line.
    """

    rows: list[dict]
    # In EVENT_COLUMNS order but for VISIT_COLUMNS, which the write turn appends once
    # app.web.visits has settled each row's visit.
    sqlite_params: list[tuple] | None = None
    sqlite_rollups: RollupCounts | None = None   # the counts if every row is new


def json_value(value):
    """Datetimes as ISO 8601 text for the JSON document Postgres reads the rows from."""
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__} as JSON")


def human_rows(rows: list[dict]) -> list[dict]:
    """The rows the event rollups count: bots are stored but left out of every figure."""
    return [row for row in rows if not row["is_bot"]]


def prepare_rows(rows: list[dict]) -> PreparedRows:
    """Convert rows for this app's backend (no database access). Postgres reads the rows
    as one JSON document, written in the write turn once their visits are settled.
    """
    if db.engine.dialect.name == "postgresql":
        return PreparedRows(rows)
    # Properties go in as the exact text the ORM's JSON type writes, so every row reads
    # the same whichever path stored it.
    receipt_texts: dict[datetime, str] = {}  # a batch shares one receipt time
    params = [
        (row["uuid"], row["project_id"], row["name"], row["user_id"], row["anonymous_id"],
         row["session_id"], row["page_url"], row["referrer"],
         None if row["properties"] is None else json.dumps(row["properties"]),
         sqlite_datetime_text(row["occurred_at"]),
         receipt_texts.get(row["received_at"]) or receipt_texts.setdefault(
             row["received_at"], sqlite_datetime_text(row["received_at"])),
         row["age_group"], row["gender"], row["visitor_id"], row["hostname"],
         row["pathname"], row["is_bot"])
        for row in rows]
    return PreparedRows(rows, sqlite_params=params,
                        sqlite_rollups=RollupCounts().add_events(human_rows(rows)))


def insert_prepared(batches: list[PreparedRows]) -> dict[str, int]:
    """Insert the batches' rows whose uuid is new and count them into every rollup;
    {uuid: id} of the rows inserted. Each backend gets a few statements of constant text,
    not a statement per row. Visits are settled first (each row needs its visit's values)
    and recorded after, for exactly the rows stored.
    """
    rows = [row for batch in batches for row in batch.rows]
    settled = visits.settle(rows)
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if stamp_rows(rows) and not postgres:
        # A person's demographics changed rows prepared before the write turn.
        batches = [prepare_rows(batch.rows) for batch in batches]
    stored_values = (settled.stored_values if settled is not None else
                     lambda row: tuple(row[name] for name in VISIT_COLUMNS))
    if postgres:
        inserted = insert_postgres([{**row, **dict(zip(VISIT_COLUMNS, stored_values(row),
                                                       strict=True))} for row in rows])
    else:
        inserted = insert_sqlite(batches, rows, stored_values)
    try:
        visits.record(settled, newly_inserted(rows, inserted))
    except VisitsChangedError:
        raise StoreUnavailable("Events of this batch were being stored concurrently; "
                               "retry") from None
    return inserted


def insert_postgres(rows: list[dict]) -> dict[str, int]:
    """The Postgres insert: one statement stores the rows and counts them into the rollups."""
    document = json.dumps(rows, default=json_value, ensure_ascii=False)
    statement = rollup_data.postgres_insert_with_rollups(definition.ROLLUPS)
    result = db.session.execute(statement, {"rows": document})
    return {row.uuid: row.id for row in result}


def insert_sqlite(batches: list[PreparedRows], rows: list[dict], stored_values
                  ) -> dict[str, int]:
    """The SQLite insert (one executemany), then the rollup upserts."""
    connection = db.session.connection()
    params = [prepared + stored_values(row)
              for prepared, row in zip((params for batch in batches
                                        for params in batch.sqlite_params), rows, strict=True)]
    # Through SQLAlchemy, not the raw cursor: a locked database must raise its
    # OperationalError, which the app answers with 503.
    result = connection.exec_driver_sql(SQLITE_INSERT_EVENT, params)
    # Rows skipped by ON CONFLICT DO NOTHING change nothing, so rowcount counts the stored.
    stored_count = result.rowcount
    if not stored_count:
        return {}
    last_id = connection.exec_driver_sql(SQLITE_LAST_INSERTED_ID).scalar_one()
    first_id = last_id - stored_count + 1
    if stored_count == len(rows):
        # Every row is new (so every uuid is distinct): no need to read the ids back.
        inserted = {row["uuid"]: first_id + offset for offset, row in enumerate(rows)}
    else:
        inserted = {row.uuid: row.id for row in db.session.execute(
            SQLITE_EVENTS_FROM, {"first": first_id})}
    if len(inserted) == len(rows):
        # Into a new object: a failed group is retried request by request, with the
        # prepared counts as they were.
        counts = RollupCounts()
        for batch in batches:
            counts.merge(batch.sqlite_rollups)
    else:  # duplicates: count only what the insert kept
        counts = RollupCounts().add_events(human_rows(newly_inserted(rows, inserted)))
    rollup_data.write_counts(counts)
    return inserted


def newly_inserted(rows: list[dict], inserted: dict[str, int]) -> list[dict]:
    """The rows the insert kept: new uuids, each at its first occurrence in the batch."""
    kept, seen = [], set()
    for row in rows:
        if row["uuid"] in inserted and row["uuid"] not in seen:
            seen.add(row["uuid"])
            kept.append(row)
    return kept


def insert_events(rows: list[dict]) -> list[dict]:
    """Insert rows, skipping uuids already stored, and count the new ones into the rollups;
    return the rows actually inserted, each with its id.

    Does not commit: the caller owns the transaction.
    """
    if not rows:
        return []
    inserted_ids = insert_prepared([prepare_rows(rows)])
    stored = []
    for row in rows:
        # A uuid repeated inside one batch is inserted once; later copies are duplicates.
        event_id = inserted_ids.pop(row["uuid"], None)
        if event_id is not None:
            stored.append({**row, "id": event_id})
    return stored


def find_event_by_uuid(event_uuid: str, user_id: int) -> Event | None:
    """The user's own stored event with this uuid (another user's is never returned)."""
    return db.session.execute(
        db.select(Event).where(Event.uuid == event_uuid, Event.user_id == user_id)
    ).scalar_one_or_none()
