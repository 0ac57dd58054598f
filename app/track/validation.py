"""Ingest validation: the batch envelope, each event (a fast path for the common case,
the schema for everything else), and the time rules. Raises the domain errors of
app.track.errors; never touches the request or the database.
"""

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import marshmallow as ma
from flask import current_app

from app.event_rows import event_row
from app.track.errors import BatchTooLarge, InvalidBatch
from app.track.schemas import EventBatchSchema, EventSchema
from app.track.sender import Sender
from app.validators import EVENT_NAME

FUTURE_TOLERANCE = timedelta(hours=1)
# The absolute bound, even for an import key.
MAX_EVENT_AGE = timedelta(days=400)

event_schema = EventSchema()
batch_schema = EventBatchSchema()


@dataclass
class EventBatch:
    """A parsed request body: raw events, the client clock, and whether it was a lone event."""

    raw_events: list
    sent_at: datetime | None
    single: bool


def parse_batch(body) -> EventBatch:
    """Accept one event object or {"events": [...], "sent_at": ...}; anything else raises."""
    if not isinstance(body, dict):
        raise InvalidBatch('Body must be an event object or {"events": [...]}')
    if "events" not in body:
        event = {name: value for name, value in body.items() if name != "key"}
        return EventBatch(raw_events=[event], sent_at=None, single=True)
    raw_events = body.get("events")
    limit = current_app.config["INGEST_MAX_BATCH_EVENTS"]
    if isinstance(raw_events, list) and len(raw_events) > limit:
        raise BatchTooLarge(
            f"A batch holds at most {limit} events",
            details={"events": [f"{len(raw_events)} events sent; the limit is {limit}."]})
    try:
        envelope = batch_schema.load(body)
    except ma.ValidationError as exc:
        raise InvalidBatch("Invalid batch", details=exc.normalized_messages()) from None
    if not raw_events:
        raise InvalidBatch("Invalid batch", details={"events": ["At least one event is required."]})
    return EventBatch(raw_events=raw_events, sent_at=envelope["sent_at"], single=False)


def describe_errors(messages) -> str:
    """One readable sentence from marshmallow's nested messages."""
    if isinstance(messages, dict):
        return "; ".join(f"{name}: {describe_errors(inner)}" for name, inner in messages.items())
    if isinstance(messages, list):
        return " ".join(describe_errors(inner) for inner in messages)
    return str(messages)


@dataclass(frozen=True)
class AgeLimit:
    """How far back a sender may date its events, and what to tell it when it goes further."""

    max_age: timedelta
    message: str


def age_limit_for(sender: Sender) -> AgeLimit:
    """MAX_BACKDATE_DAYS for sessions and ordinary keys (old events rewrite past charts, and
    a live client has no business sending them); 400 days for an ingestion key made for
    import.
    """
    if sender.key is not None and sender.key.allows_import:
        return AgeLimit(MAX_EVENT_AGE, f"timestamp is more than {MAX_EVENT_AGE.days} days old")
    days = current_app.config["MAX_BACKDATE_DAYS"]
    return AgeLimit(min(timedelta(days=days), MAX_EVENT_AGE),
                    f"timestamp is more than {days} days old; older events need an "
                    "ingestion key created with `flask keys create --import`")


def event_time(timestamp: datetime | None, clock_skew: timedelta, received_at: datetime,
               age_limit: AgeLimit) -> datetime:
    """When the event happened, on the server's clock.

    Raises ValueError for events older than the sender's age limit; a time over an hour
    ahead is taken as the receive time, since the client's clock cannot be trusted.
    """
    if timestamp is None:
        return received_at
    try:
        corrected = timestamp + clock_skew
    except OverflowError:
        corrected = timestamp
    if corrected > received_at + FUTURE_TOLERANCE:
        return received_at
    if corrected < received_at - age_limit.max_age:
        raise ValueError(age_limit.message)
    return corrected


def build_rows(batch: EventBatch, sender: Sender, received_at: datetime
               ) -> tuple[list[dict], list[dict]]:
    """Validate each event; return the rows to insert and the rejections by index."""
    clock_skew = received_at - batch.sent_at if batch.sent_at else timedelta(0)
    user = sender.user
    project_id = sender.project_id
    age_limit = age_limit_for(sender)
    rows: list[dict] = []
    rejected: list[dict] = []
    for index, raw_event in enumerate(batch.raw_events):
        if not isinstance(raw_event, dict):
            rejected.append({"index": index, "error": "each event must be a JSON object"})
            continue
        try:
            event = load_event_fast(raw_event) or event_schema.load(raw_event)
            occurred_at = event_time(event["timestamp"], clock_skew, received_at, age_limit)
        except ma.ValidationError as exc:
            rejected.append({"index": index, "error": describe_errors(exc.messages),
                             "details": exc.normalized_messages()})
            continue
        except ValueError as exc:
            rejected.append({"index": index, "error": str(exc),
                             "details": {"timestamp": [str(exc)]}})
            continue
        rows.append(event_row(
            event["name"], occurred_at, received_at=received_at,
            project_id=project_id, uuid=str(event["uuid"]) if event["uuid"] else None,
            user_id=user.id if user else None,
            age_group=user.age_group if user else None, gender=user.gender if user else None,
            anonymous_id=event["anonymous_id"], session_id=event["session_id"],
            page_url=event["page_url"], referrer=event["referrer"],
            properties=event["properties"]))
    return rows, rejected


# The fast path below accepts only what EventSchema accepts, in its most common spelling;
# anything else goes through the schema, which stays the authority and writes the errors.
EVENT_FIELDS = frozenset(EventSchema().fields)
EVENT_NAME_RE = re.compile(EVENT_NAME.regex.pattern)
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
ISO_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})?\Z")
TEXT_LIMITS = {"session_id": 64, "anonymous_id": 64, "page_url": 2000, "referrer": 2000}
properties_field = EventSchema().fields["properties"]


def load_event_fast(raw: dict) -> dict | None:
    """EventSchema.load for the well-formed common case, in plain Python (ingestion spends
    most of its time validating). None means: ask EventSchema.
    """
    if not raw.keys() <= EVENT_FIELDS:
        return None
    name = raw.get("name")
    if type(name) is not str or not EVENT_NAME_RE.fullmatch(name):
        return None
    event: dict = {"name": name}
    event_uuid = raw.get("uuid")
    if event_uuid is None:
        event["uuid"] = None
    elif type(event_uuid) is str and UUID_TEXT.match(event_uuid):
        event["uuid"] = uuid.UUID(event_uuid)
    else:
        return None
    timestamp = raw.get("timestamp")
    if timestamp is None:
        event["timestamp"] = None
    elif type(timestamp) is str and ISO_TIMESTAMP.match(timestamp):
        try:
            parsed = datetime.fromisoformat(timestamp)
        except ValueError:
            return None
        event["timestamp"] = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    else:
        return None
    for field, limit in TEXT_LIMITS.items():
        value = raw.get(field)
        if value is None or value == "":
            event[field] = None
        elif type(value) is str and len(value) <= limit:
            event[field] = value
        else:
            return None
    properties = raw.get("properties")
    if properties is None:
        event["properties"] = None
    elif type(properties) is dict:
        try:
            event["properties"] = properties_field.deserialize(properties)
        except ma.ValidationError:
            return None
    else:
        return None
    return event


