"""Query arguments and answers of realtime's (seed 003) analytics, in its snake_case names
(the names its event body uses: event_type, user_id, session_id, page_url, metadata).
"""

import marshmallow as ma
from marshmallow import validate

RANGES = ("24h", "7d", "30d")


def range_field(default: str | None) -> ma.fields.String:
    """Return the `range` argument: the last 24 hours, 7 days or 30 days."""
    what = f"default {default}" if default else "default: all time"
    return ma.fields.String(load_default=default, validate=validate.OneOf(RANGES), metadata={
        "description": f"24h (hourly), 7d or 30d (daily), ending now; {what}"})


class RealtimeRangeArgsSchema(ma.Schema):
    """An optional range."""

    range = range_field(None)


class RealtimeTimeseriesArgsSchema(ma.Schema):
    """The range of the series."""

    range = range_field("24h")


class RealtimeTopPagesArgsSchema(RealtimeRangeArgsSchema):
    """An optional range and how many pages."""

    limit = ma.fields.Integer(load_default=10, strict=False,
                              validate=validate.Range(min=1, max=100),
                              metadata={"description": "How many pages, 1-100"})


class RealtimeRecentArgsSchema(ma.Schema):
    """How many events."""

    limit = ma.fields.Integer(load_default=20, strict=False,
                              validate=validate.Range(min=1, max=100),
                              metadata={"description": "How many events, 1-100"})


def cached_field() -> ma.fields.Boolean:
    """Return the `cached` flag."""
    return ma.fields.Boolean(required=True, metadata={
        "description": "Whether the answer came from the answer cache"})


class RealtimeSummarySchema(ma.Schema):
    """Totals over the range."""

    total_events = ma.fields.Integer(required=True, metadata={"description": "Events"})
    unique_users = ma.fields.Integer(required=True, metadata={
        "description": "Distinct user_id values (and signed-in users)"})
    events_by_type = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(),
                                    required=True,
                                    metadata={"description": "Events per event_type"})
    cached = cached_field()


class RealtimePageSchema(ma.Schema):
    """One page and its views."""

    page_url = ma.fields.String(required=True, metadata={"description": "The page"})
    views = ma.fields.Integer(required=True, metadata={"description": "PAGE_VIEW events"})
    unique_users = ma.fields.Integer(required=True,
                                     metadata={"description": "Distinct viewers"})


class RealtimeTopPagesSchema(ma.Schema):
    """The most viewed pages, most views first."""

    pages = ma.fields.List(ma.fields.Nested(RealtimePageSchema), required=True,
                           metadata={"description": "Pages by PAGE_VIEW events"})
    cached = cached_field()


class RealtimePointSchema(ma.Schema):
    """One bucket of the series."""

    timestamp = ma.fields.String(required=True, metadata={
        "description": "The bucket's start in UTC: YYYY-MM-DDTHH:00:00+00:00 (24h) or "
                       "YYYY-MM-DD (7d, 30d)"})
    count = ma.fields.Integer(required=True, metadata={"description": "Events in it"})


class RealtimeTimeseriesSchema(ma.Schema):
    """Events per hour (24h) or per day (7d, 30d), zero-filled, oldest first."""

    range = ma.fields.String(required=True, metadata={"description": "The range asked for"})
    interval = ma.fields.String(required=True, metadata={"description": "hour or day"})
    data = ma.fields.List(ma.fields.Nested(RealtimePointSchema), required=True,
                          metadata={"description": "The buckets, oldest first"})
    cached = cached_field()


class RealtimeRecentEventSchema(ma.Schema):
    """One stored event."""

    id = ma.fields.Integer(required=True, metadata={"description": "Its id"})
    event_type = ma.fields.String(required=True, metadata={"description": "What happened"})
    user_id = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "The person (null for anonymous readers of a public project)"})
    page_url = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "The page (without its query string for anonymous readers)"})
    metadata = ma.fields.Dict(required=True, allow_none=True, metadata={
        "description": "Its details (null for anonymous readers)"})
    created_at = ma.fields.String(required=True,
                                  metadata={"description": "When it happened, ISO 8601 UTC"})


class RealtimeRecentSchema(ma.Schema):
    """The newest events, newest first."""

    events = ma.fields.List(ma.fields.Nested(RealtimeRecentEventSchema), required=True,
                            metadata={"description": "The events"})
