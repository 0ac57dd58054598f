"""Event ingestion: who is sending, envelope parsing, per-event validation and batch writes.

Writes go in one INSERT ... ON CONFLICT (uuid) DO NOTHING per group of requests that arrive
together (app.track.writer), committed before any of them is answered, so an acknowledged
event is durable and a replayed uuid is stored once.
"""

import functools
import hashlib
import json
import uuid as uuid_module
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import marshmallow as ma
from flask import current_app, g, request
from flask_jwt_extended import current_user, get_jwt, verify_jwt_in_request

from app.auth.service import SessionUser
from app.blueprint import abort
from app.database import ingest_write_turn, is_in_memory_database
from app.errors import DATABASE_RETRY_AFTER_SECONDS
from app.extensions import db
from app.metrics import record_events
from app.models import Event, utcnow
from app.request_guards import is_json_mimetype
from app.signals import events_stored
from app.track.keys import ActiveKey, find_active_key
from app.track.rollups import (
    POSTGRES_INSERT_WITH_ROLLUPS,
    SQLITE_EVENTS_FROM,
    SQLITE_INSERT_EVENT,
    SQLITE_LAST_INSERTED_ID,
    RollupBatch,
    count_sqlite_rows,
    write_sqlite_rollups,
)
from app.track.schemas import EventBatchSchema, EventSchema, load_event_fast
from app.track.writer import WriteTimeoutError, writer_for

KEY_HEADER = "X-Ouroboard-Key"
FUTURE_TOLERANCE = timedelta(hours=1)
MAX_EVENT_AGE = timedelta(days=400)

event_schema = EventSchema()
batch_schema = EventBatchSchema()
# How much longer than the database's own lock timeout a request waits for the writer.
WRITER_GRACE_SECONDS = 10


@dataclass(frozen=True)
class Sender:
    """Who events are attributed to: a logged-in user, or a site holding an ingestion key."""

    user: SessionUser | None = None
    key: ActiveKey | None = None


@dataclass
class EventBatch:
    """A parsed request body: raw events, the client clock, and whether it was a lone event."""

    raw_events: list
    sent_at: datetime | None
    single: bool


@dataclass
class IngestResult:
    """What happened to a batch."""

    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict] = field(default_factory=list)
    stored: list[dict] = field(default_factory=list)


def raw_key_from(body) -> str | None:
    """The ingestion key from the header or, for beacons that cannot set headers, the body."""
    header_key = request.headers.get(KEY_HEADER)
    if header_key:
        return header_key
    if isinstance(body, dict) and body.get("key") is not None:
        return body["key"] if isinstance(body["key"], str) else ""
    return None


def resolve_sender(body) -> Sender:
    """Authenticate the request: an ingestion key, or a user session (cookie needs CSRF)."""
    raw_key = raw_key_from(body)
    if raw_key is not None:
        key = find_active_key(raw_key) if raw_key else None
        if key is None:
            abort(401, "Invalid or revoked ingestion key")
        return Sender(key=key)
    if not is_json_mimetype(request.mimetype) and request.get_data(cache=True).strip():
        # text/plain is allowed only for key-authenticated beacons.
        abort(415, "Unsupported content type: send application/json",
              details={"content_type": [request.mimetype or "missing"]})
    verify_user_once()
    # The object itself: build_rows reads it for every event, and the proxy is slow.
    return Sender(user=current_user._get_current_object())


def user_required(view):
    """jwt_required() for ingestion views, reusing the rate-limit key's verification."""
    @functools.wraps(view)
    def verified_view(*args, **kwargs):
        verify_user_once()
        return view(*args, **kwargs)
    return verified_view


def verify_user_once() -> None:
    """verify_jwt_in_request, at most once per request: the rate-limit key usually has
    verified the token already, and decoding a JWT is the dearest step of a /track call."""
    if not g.get("ingest_jwt_verified"):
        verify_jwt_in_request()
        g.ingest_jwt_verified = True


def rate_limit_key() -> str:
    """Bucket for ingest rate limits: the key, else the user, else the client address.

    Flask-Limiter asks several times per request; decoding the token once is enough.
    """
    if "ingest_rate_limit_key" not in g:
        g.ingest_rate_limit_key = compute_rate_limit_key()
    return g.ingest_rate_limit_key


def compute_rate_limit_key() -> str:
    raw_key = raw_key_from(request.get_json(force=True, silent=True))
    if raw_key:
        return "ingest-key:" + hashlib.sha256(raw_key.encode("utf-8")).hexdigest()[:16]
    subject = None
    try:
        # Verified here, not merely decoded (a forged token must not pick someone else's
        # bucket), and remembered so the view does not verify it a second time.
        if verify_jwt_in_request(optional=True):
            g.ingest_jwt_verified = True
            subject = get_jwt()["sub"]
    except Exception:  # noqa: BLE001 - the view reports a bad token; limit by address
        subject = None
    return f"ingest-user:{subject}" if subject else f"ingest-ip:{request.remote_addr}"


def parse_batch(body) -> EventBatch:
    """Accept one event object or {"events": [...], "sent_at": ...}; anything else is a 400."""
    if not isinstance(body, dict):
        abort(400, 'Body must be an event object or {"events": [...]}')
    if "events" not in body:
        event = {name: value for name, value in body.items() if name != "key"}
        return EventBatch(raw_events=[event], sent_at=None, single=True)
    raw_events = body.get("events")
    limit = current_app.config["INGEST_MAX_BATCH_EVENTS"]
    if isinstance(raw_events, list) and len(raw_events) > limit:
        abort(413, f"A batch holds at most {limit} events",
              details={"events": [f"{len(raw_events)} events sent; the limit is {limit}."]})
    try:
        envelope = batch_schema.load(body)
    except ma.ValidationError as exc:
        abort(400, "Invalid batch", details=exc.normalized_messages())
    if not raw_events:
        abort(400, "Invalid batch", details={"events": ["At least one event is required."]})
    return EventBatch(raw_events=raw_events, sent_at=envelope["sent_at"], single=False)


def describe_errors(messages) -> str:
    """One readable sentence from marshmallow's nested messages."""
    if isinstance(messages, dict):
        return "; ".join(f"{name}: {describe_errors(inner)}" for name, inner in messages.items())
    if isinstance(messages, list):
        return " ".join(describe_errors(inner) for inner in messages)
    return str(messages)


def event_time(timestamp: datetime | None, clock_skew: timedelta, received_at: datetime
               ) -> datetime:
    """When the event happened, on the server's clock.

    Raises ValueError for events older than 400 days; a time over an hour ahead is taken
    as the receive time, since the client's clock cannot be trusted.
    """
    if timestamp is None:
        return received_at
    try:
        corrected = timestamp + clock_skew
    except OverflowError:
        corrected = timestamp
    if corrected > received_at + FUTURE_TOLERANCE:
        return received_at
    if corrected < received_at - MAX_EVENT_AGE:
        raise ValueError("timestamp is more than 400 days old")
    return corrected


def build_rows(batch: EventBatch, sender: Sender, received_at: datetime
               ) -> tuple[list[dict], list[dict]]:
    """Validate each event; return the rows to insert and the rejections by index."""
    clock_skew = received_at - batch.sent_at if batch.sent_at else timedelta(0)
    user = sender.user
    rows: list[dict] = []
    rejected: list[dict] = []
    for index, raw_event in enumerate(batch.raw_events):
        if not isinstance(raw_event, dict):
            rejected.append({"index": index, "error": "each event must be a JSON object"})
            continue
        try:
            event = load_event_fast(raw_event) or event_schema.load(raw_event)
            occurred_at = event_time(event["timestamp"], clock_skew, received_at)
        except ma.ValidationError as exc:
            rejected.append({"index": index, "error": describe_errors(exc.messages),
                             "details": exc.normalized_messages()})
            continue
        except ValueError as exc:
            rejected.append({"index": index, "error": str(exc),
                             "details": {"timestamp": [str(exc)]}})
            continue
        rows.append({
            "uuid": str(event["uuid"] or uuid_module.uuid4()),
            "name": event["name"],
            "user_id": user.id if user else None,
            "anonymous_id": event["anonymous_id"],
            "session_id": event["session_id"],
            "page_url": event["page_url"],
            "referrer": event["referrer"],
            "properties": event["properties"],
            "occurred_at": occurred_at,
            "received_at": received_at,
            "age_group": user.age_group if user else None,
            "gender": user.gender if user else None,
        })
    return rows, rejected


def json_value(value):
    """Datetimes as ISO 8601 text for the JSON document Postgres reads the rows from."""
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__} as JSON")


def sqlite_time(moment: datetime) -> str:
    """The naive-UTC text SQLAlchemy stores for a datetime on SQLite (UTCDateTime)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


@dataclass
class PreparedRows:
    """Rows turned into what the backend's insert takes, before the write turn: the
    conversion costs about as much as the insert, and only the insert must wait in line."""

    rows: list[dict]
    sqlite_params: list[tuple] | None = None     # in SQLITE_EVENT_COLUMNS order
    sqlite_rollups: RollupBatch | None = None    # the counts if every row is new
    postgres_json: str | None = None             # the rows as JSON array items


def prepare_rows(rows: list[dict]) -> PreparedRows:
    """Convert rows for this app's backend (no database access)."""
    if db.engine.dialect.name == "postgresql":
        document = json.dumps(rows, default=json_value, ensure_ascii=False)
        return PreparedRows(rows, postgres_json=document[1:-1])
    # Properties go in as the exact text the ORM's JSON type writes, so every row reads
    # the same whichever path stored it.
    receipt_texts: dict[datetime, str] = {}  # a batch shares one receipt time
    params = [
        (row["uuid"], row["name"], row["user_id"], row["anonymous_id"], row["session_id"],
         row["page_url"], row["referrer"],
         None if row["properties"] is None else json.dumps(row["properties"]),
         sqlite_time(row["occurred_at"]),
         receipt_texts.get(row["received_at"])
         or receipt_texts.setdefault(row["received_at"], sqlite_time(row["received_at"])),
         row["age_group"], row["gender"])
        for row in rows]
    return PreparedRows(rows, sqlite_params=params, sqlite_rollups=count_sqlite_rows(rows))


def insert_prepared(batches: list[PreparedRows]) -> dict[str, int]:
    """Insert the batches' rows whose uuid is new and count them into every rollup;
    {uuid: id} of the rows inserted. Each backend gets a few statements of constant text,
    not a statement per row."""
    if db.session.get_bind().dialect.name == "postgresql":
        document = "[" + ",".join(batch.postgres_json for batch in batches
                                  if batch.postgres_json) + "]"
        result = db.session.execute(POSTGRES_INSERT_WITH_ROLLUPS, {"rows": document})
        return {row.uuid: row.id for row in result}
    connection = db.session.connection()
    # Through SQLAlchemy, not the raw cursor: a locked database must raise its
    # OperationalError, which the app answers with 503.
    result = connection.exec_driver_sql(
        SQLITE_INSERT_EVENT, [params for batch in batches for params in batch.sqlite_params])
    # Rows skipped by ON CONFLICT DO NOTHING change nothing, so rowcount counts the stored.
    stored_count = result.rowcount
    if not stored_count:
        return {}
    last_id = connection.exec_driver_sql(SQLITE_LAST_INSERTED_ID).scalar_one()
    first_id = last_id - stored_count + 1
    rows = [row for batch in batches for row in batch.rows]
    if stored_count == len(rows):
        # Every row is new (so every uuid is distinct): no need to read the ids back.
        inserted = {row["uuid"]: first_id + offset for offset, row in enumerate(rows)}
    else:
        inserted = {row.uuid: row.id for row in db.session.execute(
            SQLITE_EVENTS_FROM, {"first": first_id})}
    if len(inserted) == len(rows):
        # Into a new batch: a failed group is retried request by request, with the
        # prepared counts as they were.
        counts = RollupBatch()
        for batch in batches:
            counts.merge(batch.sqlite_rollups)
    else:  # duplicates: count only what the insert kept
        counts = count_sqlite_rows(newly_inserted(rows, inserted))
    write_sqlite_rollups(connection.connection.driver_connection.cursor(), counts)
    return inserted


def insert_with_rollups(rows: list[dict]) -> dict[str, int]:
    """insert_prepared for one batch of rows."""
    return insert_prepared([prepare_rows(rows)])


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
    return the rows actually inserted.

    Does not commit: the caller owns the transaction.
    """
    if not rows:
        return []
    inserted_ids = insert_with_rollups(rows)
    stored = []
    for row in rows:
        # A uuid repeated inside one batch is inserted once; later copies are duplicates.
        event_id = inserted_ids.pop(row["uuid"], None)
        if event_id is not None:
            stored.append({**row, "id": event_id})
    return stored


def announce_stored(app, stored: list[dict]) -> None:
    """Tell listeners (cache, live streams) about committed events."""
    events_stored.send(app, events=stored)


def store_committed(rows: list[dict]) -> list[dict]:
    """Store rows and commit; the rows inserted, with ids, once they are durable.

    Through the process's group writer (one transaction for requests that arrive together)
    unless INGEST_GROUP_COMMIT is off or the database lives in this process's memory.
    """
    if not rows:
        return []
    app = current_app._get_current_object()
    if app.config["INGEST_GROUP_COMMIT"] and not is_in_memory_database(app):
        writer = writer_for(prepare_rows, insert_prepared,
                            lambda stored: announce_stored(app, stored))
        timeout = app.config["DATABASE_LOCK_TIMEOUT_MS"] / 1000 + WRITER_GRACE_SECONDS
        try:
            return writer.store(rows, timeout)
        except WriteTimeoutError:
            abort(503, "Database busy, retry shortly",
                  headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)})
    with ingest_write_turn():
        try:
            stored = insert_events(rows)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    if stored:
        announce_stored(app, stored)
    return stored


def ingest(batch: EventBatch, sender: Sender) -> IngestResult:
    """Validate, store in one transaction, commit, then announce what was stored."""
    received_at = utcnow()
    rows, rejected = build_rows(batch, sender, received_at)
    if batch.single and rejected:
        record_events(accepted=0, duplicates=0, rejected=1)
        abort(400, "Invalid event", details=rejected[0].get("details")
              or {"_event": [rejected[0]["error"]]})
    stored = store_committed(rows)
    record_events(accepted=len(stored), duplicates=len(rows) - len(stored),
                  rejected=len(rejected))
    return IngestResult(
        accepted=len(stored),
        duplicates=len(rows) - len(stored),
        rejected=[{"index": item["index"], "error": item["error"]} for item in rejected],
        stored=stored,
    )


def find_event_by_uuid(event_uuid: str) -> Event | None:
    """A stored event by its uuid."""
    return db.session.execute(
        db.select(Event).where(Event.uuid == event_uuid)).scalar_one_or_none()
