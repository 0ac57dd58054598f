"""Schemas for tracked events: what a client may send and what it gets back."""

from datetime import UTC

import marshmallow as ma
from marshmallow import validate

from app.validators import EVENT_NAME, OptionalText, Properties


class EventSchema(ma.Schema):
    """One event as websites, apps and the dashboard send it to /events."""

    name = ma.fields.String(required=True, validate=EVENT_NAME,
                            metadata={"description": "What happened, e.g. page_view"})
    uuid = ma.fields.UUID(load_default=None, allow_none=True,
                          metadata={"description": "Client id for idempotent retries"})
    timestamp = ma.fields.AwareDateTime(load_default=None, allow_none=True,
                                        default_timezone=UTC,
                                        metadata={"description": "When it happened (ISO 8601)"})
    session_id = OptionalText(64, metadata={"description": "The visit it belongs to"})
    anonymous_id = OptionalText(64, metadata={"description": "A visitor without an account"})
    page_url = OptionalText(2000, metadata={"description": "The page it happened on"})
    referrer = OptionalText(2000, metadata={"description": "Where the visitor came from"})
    properties = Properties(load_default=None, allow_none=True,
                            metadata={"description": "Free-form details (JSON object)"})


class RawList(ma.fields.List):
    """A JSON array whose items are passed on untouched: each is validated later on its
    own, and List(Raw) spent a field call per item only to copy it.
    """

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


class RejectedEventSchema(ma.Schema):
    """Why one event of a batch was not stored."""

    index = ma.fields.Integer(required=True,
                              metadata={"description": "Its position in the batch, from 0"})
    error = ma.fields.String(required=True, metadata={"description": "What is wrong with it"})


class IngestResultSchema(ma.Schema):
    """The outcome of a POST /events."""

    accepted = ma.fields.Integer(required=True, metadata={"description": "Newly stored events"})
    duplicates = ma.fields.Integer(required=True,
                                   metadata={"description": "Events whose uuid was stored before"})
    rejected = ma.fields.List(ma.fields.Nested(RejectedEventSchema), required=True,
                              metadata={"description": "Events not stored, and why"})


class TrackSchema(ma.Schema):
    """The original challenge's single feature click."""

    feature_name = ma.fields.String(required=True, validate=EVENT_NAME,
                                    metadata={"description": "The feature clicked"})
    properties = Properties(load_default=None, allow_none=True,
                            metadata={"description": "Free-form details (JSON object)"})
    uuid = ma.fields.UUID(load_default=None, allow_none=True,
                          metadata={"description": "Client id for idempotent retries"})
    session_id = OptionalText(64, metadata={"description": "The visit it belongs to"})
    page_url = OptionalText(2000, metadata={"description": "The page it happened on"})


class TrackedEventSchema(ma.Schema):
    """The stored click as /track reports it."""

    id = ma.fields.Integer(required=True, allow_none=True,
                           metadata={"description": "The stored event's id; null when queued"})
    uuid = ma.fields.String(required=True, metadata={"description": "Its client or server uuid"})
    feature_name = ma.fields.String(required=True, metadata={"description": "The feature clicked"})
    timestamp = ma.fields.DateTime(required=True, format="iso",
                                   metadata={"description": "When it was recorded (UTC)"})
