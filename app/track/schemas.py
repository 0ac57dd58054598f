"""Schemas for tracked events: what a client may send and what it gets back."""

import json
import math
import re
import uuid
from datetime import UTC, datetime

import marshmallow as ma
from marshmallow import validate


class WholeValue(validate.Regexp):
    """A regex the whole value must match.

    Patterns are written ^...$ so the OpenAPI document carries them in a form JSON Schema
    tools understand; matching with fullmatch keeps Python's `$` from admitting a trailing
    newline.
    """

    def __call__(self, value):
        if self.regex.fullmatch(value) is None:
            raise ma.ValidationError(self._format_error(value))
        return value


EVENT_NAME = WholeValue(
    r"^[A-Za-z0-9_.:/-](?:[A-Za-z0-9_.:/ -]{0,98}[A-Za-z0-9_.:/-])?$",
    error="Event names are 1-100 characters of letters, digits, '_', '.', ':', '/', '-' "
          "and inner spaces.",
)
PROPERTIES_MAX_BYTES = 8 * 1024
PROPERTIES_MAX_DEPTH = 3
PROPERTY_KEY_MAX_LENGTH = 64


class Properties(ma.fields.Dict):
    """A JSON object of at most 8 KiB, keys of at most 64 characters, nested 3 levels deep."""

    default_error_messages = {
        "too_large": f"Properties must serialise to at most {PROPERTIES_MAX_BYTES} bytes.",
        "too_deep": f"Properties may nest at most {PROPERTIES_MAX_DEPTH} levels.",
        "long_key": f"Property keys must be 1-{PROPERTY_KEY_MAX_LENGTH} characters.",
        "not_finite": "Property numbers must be finite.",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        properties = super()._deserialize(value, attr, data, **kwargs)
        self._check(properties, depth=1)
        encoded = json.dumps(properties, separators=(",", ":"), ensure_ascii=False)
        if len(encoded.encode("utf-8")) > PROPERTIES_MAX_BYTES:
            raise self.make_error("too_large")
        return properties

    def _check(self, value, depth: int) -> None:
        if isinstance(value, dict | list) and depth > PROPERTIES_MAX_DEPTH:
            raise self.make_error("too_deep")
        if isinstance(value, dict):
            for key, item in value.items():
                if not 1 <= len(key) <= PROPERTY_KEY_MAX_LENGTH:
                    raise self.make_error("long_key")
                self._check(item, depth + 1)
        elif isinstance(value, list):
            for item in value:
                self._check(item, depth + 1)
        elif isinstance(value, float) and not math.isfinite(value):
            raise self.make_error("not_finite")


class OptionalText(ma.fields.String):
    """An optional string of bounded length; an empty one means absent."""

    default_error_messages = {"too_long": "Longer than maximum length {max_length}."}

    def __init__(self, max_length: int, **kwargs):
        super().__init__(allow_none=True, load_default=None, **kwargs)
        self.max_length = max_length
        self.metadata.setdefault("maxLength", max_length)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > self.max_length:
            raise self.make_error("too_long", max_length=self.max_length)
        return text or None


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
    """The seed contract's single feature click."""

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
