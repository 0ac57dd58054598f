"""Schemas for tracked events: what a client may send and what it gets back."""

import re
import uuid
from datetime import UTC, datetime

import marshmallow as ma
from marshmallow import validate

from app.validators import EVENT_NAME, OptionalText, Properties


class EventSchema(ma.Schema):
    """One event as websites, apps and the dashboard send it to /events."""

    name = ma.fields.String(required=True, validate=EVENT_NAME)
    uuid = ma.fields.UUID(load_default=None, allow_none=True,
                          metadata={"description": "Client id for idempotent retries"})
    timestamp = ma.fields.AwareDateTime(load_default=None, allow_none=True,
                                        default_timezone=UTC,
                                        metadata={"description": "When it happened (ISO 8601)"})
    session_id = OptionalText(64)
    anonymous_id = OptionalText(64)
    page_url = OptionalText(2000)
    referrer = OptionalText(2000)
    properties = Properties(load_default=None, allow_none=True)


class RawList(ma.fields.List):
    """A JSON array whose items are passed on untouched: each is validated later on its
    own, and List(Raw) spent a field call per item only to copy it."""

    def __init__(self, **kwargs):
        super().__init__(ma.fields.Raw(), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise self.make_error("invalid")
        return value


class EventBatchSchema(ma.Schema):
    """The batch envelope. Events are validated one by one so one bad event spoils nothing."""

    events = RawList(required=True, metadata={"description": "1-500 events"})
    sent_at = ma.fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=UTC,
                                      metadata={"description": "Client clock at send time; "
                                                               "used to correct clock skew"})
    key = ma.fields.String(load_default=None, allow_none=True,
                           metadata={"description": "Ingestion key, for sendBeacon"})


class EventBatchDocSchema(EventBatchSchema):
    """The batch envelope as documented.

    Items are described, not constrained: each one is checked against Event on its own, and
    an invalid one is listed in `rejected` while the rest are stored (202), so no item can
    make the whole request invalid.
    """

    events = ma.fields.List(ma.fields.Raw(), required=True,
                            validate=validate.Length(min=1, max=500),
                            metadata={"description": "1-500 items, each an Event (see that "
                                                     "schema); invalid items are rejected "
                                                     "one by one"})


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
    most of its time validating). None means: ask EventSchema."""
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


class RejectedEventSchema(ma.Schema):
    """Why one event of a batch was not stored."""

    index = ma.fields.Integer(required=True)
    error = ma.fields.String(required=True)


class IngestResultSchema(ma.Schema):
    """The outcome of a POST /events."""

    accepted = ma.fields.Integer(required=True, metadata={"description": "Newly stored events"})
    duplicates = ma.fields.Integer(required=True,
                                   metadata={"description": "Events whose uuid was stored before"})
    rejected = ma.fields.List(ma.fields.Nested(RejectedEventSchema), required=True)


class TrackSchema(ma.Schema):
    """The original challenge's single feature click."""

    feature_name = ma.fields.String(required=True, validate=EVENT_NAME)
    properties = Properties(load_default=None, allow_none=True)
    uuid = ma.fields.UUID(load_default=None, allow_none=True)
    session_id = OptionalText(64)
    page_url = OptionalText(2000)


class TrackedEventSchema(ma.Schema):
    """The stored click as /track reports it."""

    id = ma.fields.Integer(required=True)
    uuid = ma.fields.String(required=True)
    feature_name = ma.fields.String(required=True)
    timestamp = ma.fields.DateTime(required=True, format="iso")
