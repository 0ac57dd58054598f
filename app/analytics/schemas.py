"""Query-string arguments of the analytics endpoints: the shared filters and the rest.

The response shapes are in app.analytics.responses.
"""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import marshmallow as ma
from marshmallow import validate

from app.analytics.periods import GRANULARITIES, Filters, local_midnight
from app.analytics.person_filters import TRAIT_KEY, TRAIT_KEY_TEXT, PersonFilterSchema
from app.analytics.ranges import (
    MAX_RANGE,
    MAX_RANGE_TEXT,
    MAX_SERIES_POINTS,
    TooManyPointsError,
    check_series_points,
)
from app.analytics.web_filters import WebFilterSchema, pop_web_filters
from app.cursors import decode_cursor
from app.models import AGE_GROUPS, GENDERS
from app.validators import EVENT_NAME, SPAN_FIRST_DAY, SPAN_LAST_DAY, SPAN_MESSAGE, within_span

PROPERTY_KEY = re.compile(r"[A-Za-z0-9_.-]{1,64}\Z")
BREAKDOWN_DIMENSIONS = ("feature", "age_group", "gender", "page_url")


class DateOrDateTime(ma.fields.Field):
    """`YYYY-MM-DD` (a whole local day) or a full ISO 8601 datetime, within the span of
    app.validators (2000-01-01 to 2099-12-31), so no range arithmetic can overflow.
    """

    default_error_messages = {"invalid": "Use YYYY-MM-DD or an ISO 8601 datetime.",
                              "out_of_span": SPAN_MESSAGE}

    def __init__(self, **kwargs):
        metadata = {"anyOf": [{"type": "string", "format": "date"},
                              {"type": "string", "format": "date-time"}],
                    **kwargs.pop("metadata", {})}
        metadata["description"] = (f"{metadata.get('description', '')}; from "
                                   f"{SPAN_FIRST_DAY} to {SPAN_LAST_DAY}").lstrip("; ")
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value) > 40:
            raise self.make_error("invalid")
        try:
            if len(value) == 10:
                parsed = date.fromisoformat(value)
            else:
                parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise self.make_error("invalid") from exc
        if not within_span(parsed):
            raise self.make_error("out_of_span")
        return parsed


class ParsedString(ma.fields.String):
    """A string argument turned into a value by `parse`; what it rejects is `error_key`."""

    error_key = "invalid"
    rejected: tuple[type[Exception], ...] = (ValueError,)

    @staticmethod
    def parse(text: str):
        """Return the value `text` stands for."""
        return text

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return self.parse(text)
        except self.rejected as exc:
            raise self.make_error(self.error_key) from exc


class TimeZoneName(ParsedString):
    """An IANA time zone name such as Europe/Paris."""

    default_error_messages = {"unknown": "Unknown time zone; use an IANA name like Europe/Paris."}
    error_key = "unknown"
    rejected = (ZoneInfoNotFoundError, ValueError)
    parse = staticmethod(ZoneInfo)


def as_utc(value: date | datetime, tz: ZoneInfo, *, end: bool) -> datetime:
    """A range bound as a UTC instant. A date covers its whole local day; the end is
    exclusive, so an inclusive end date becomes the next local midnight.
    """
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=tz)
        moment = moment.astimezone(UTC)
        return moment + timedelta(microseconds=1) if end else moment
    return local_midnight(value + timedelta(days=1) if end else value, tz)


class AnalyticsFilterSchema(WebFilterSchema, PersonFilterSchema):
    """The filters every analytics endpoint takes: range, zone, project, age group, gender,
    feature, the website filters and the person filters, all ANDed.
    """

    startDate = DateOrDateTime(load_default=None,  # noqa: N815 - the seed API's names
                               metadata={"description": "YYYY-MM-DD or ISO datetime, inclusive"})
    endDate = DateOrDateTime(load_default=None,  # noqa: N815
                             metadata={"description": "YYYY-MM-DD or ISO datetime, inclusive"})
    ageGroup = ma.fields.String(  # noqa: N815
        load_default="All", validate=validate.OneOf((*AGE_GROUPS, "All")),
        metadata={"description": "<18, 18-40, >40, or All"})
    gender = ma.fields.String(load_default="All", validate=validate.OneOf((*GENDERS, "All")),
                              metadata={"description": "Male, Female, Other, or All"})
    feature = ma.fields.String(load_default=None, validate=EVENT_NAME,
                               metadata={"description": "Event name"})
    tz = TimeZoneName(load_default=ZoneInfo("UTC"),
                      metadata={"description": "IANA zone for day and hour buckets"})
    project = ma.fields.String(load_default=None, validate=validate.Length(min=1, max=48),
                               metadata={"description": "Slug of the project to read; "
                                                        "default: the caller's default "
                                                        "project (`ouroboard` for its "
                                                        "members, else their first)"})

    @ma.validates_schema
    def check_range(self, data, **_kwargs):
        """Require endDate after startDate, and at most MAX_RANGE in all (open ends are
        held to it by the service, once it knows the data's span).
        """
        tz = data.get("tz") or ZoneInfo("UTC")
        start, end = data.get("startDate"), data.get("endDate")
        if start is None or end is None:
            return
        start_utc, end_utc = as_utc(start, tz, end=False), as_utc(end, tz, end=True)
        if end_utc <= start_utc:
            raise ma.ValidationError("endDate must not be before startDate.", "endDate")
        if end_utc - start_utc > MAX_RANGE:
            raise ma.ValidationError(f"The range may span at most {MAX_RANGE_TEXT}.",
                                     "endDate")

    @ma.post_load
    def to_filters(self, data, **_kwargs):
        """Replace the raw filter fields by one Filters value under "filters"."""
        tz = data.pop("tz")
        start, end = data.pop("startDate"), data.pop("endDate")
        age_group, gender = data.pop("ageGroup"), data.pop("gender")
        data["filters"] = Filters(
            start=as_utc(start, tz, end=False) if start is not None else None,
            end=as_utc(end, tz, end=True) if end is not None else None,
            tz=tz,
            age_group=None if age_group == "All" else age_group,
            gender=None if gender == "All" else gender,
            feature=data.pop("feature"),
            web=pop_web_filters(data),
            person=data.pop("person"),
        )
        return data


class TimeseriesArgsSchema(AnalyticsFilterSchema):
    """The filters, the bucket size and an optional comparison."""

    granularity = ma.fields.String(load_default="day", validate=validate.OneOf(GRANULARITIES),
                                   metadata={"description": "hour, day, week or month; a "
                                                            f"series holds at most "
                                                            f"{MAX_SERIES_POINTS} points "
                                                            "(hourly: about 62 days)"})
    compare = ma.fields.String(load_default=None, allow_none=True,
                               validate=validate.OneOf(("previous",)),
                               metadata={"description": "previous: also the period of equal "
                                                        "length just before"})

    @ma.validates_schema
    def check_points(self, data, **_kwargs):
        """At most MAX_SERIES_POINTS buckets; hourly series need both ends.

        Open ranges are held to MAX_RANGE, where a daily series fits, so only ranges with
        both ends given can hold too many points.
        """
        granularity = data.get("granularity")
        start, end = data.get("startDate"), data.get("endDate")
        if granularity == "hour" and (start is None or end is None):
            raise ma.ValidationError("Hourly series need startDate and endDate.", "granularity")
        if granularity not in GRANULARITIES or start is None or end is None:
            return
        tz = data.get("tz") or ZoneInfo("UTC")
        try:
            check_series_points(as_utc(start, tz, end=False), as_utc(end, tz, end=True),
                                granularity)
        except TooManyPointsError as exc:
            raise ma.ValidationError(str(exc), "granularity") from exc


def limit_field(default: int, maximum: int, what: str) -> ma.fields.Integer:
    """Return a `limit` argument: how many `what` at most, 1 to `maximum`."""
    return ma.fields.Integer(load_default=default, strict=False,
                             validate=validate.Range(min=1, max=maximum),
                             metadata={"description": f"How many {what}, 1-{maximum}"})


class BreakdownArgsSchema(AnalyticsFilterSchema):
    """The filters, the dimension to break down by and how many values to show."""

    by = ma.fields.String(required=True, metadata={
        "description": "feature, age_group, gender, page_url, property:<key> (an event "
                       "property) or person:<trait> (a trait of the event's person). A "
                       "property or trait that is a number or boolean reads as its JSON "
                       "text (3, 2.5, true); null, an object or an array is no value. "
                       "Events without the value are the null row",
        "pattern": r"^(feature|age_group|gender|page_url|"
                   r"(property|person):[A-Za-z0-9_.-]{1,64})$"})
    limit = limit_field(10, 100, "values")

    @ma.validates("by")
    def check_by(self, value, **_kwargs):
        """An allowlisted column, or property:<key> or person:<trait> with a plain key."""
        if value in BREAKDOWN_DIMENSIONS:
            return
        if value.startswith("property:") and PROPERTY_KEY.match(value.removeprefix("property:")):
            return
        if value.startswith("person:") and TRAIT_KEY.match(value.removeprefix("person:")):
            return
        raise ma.ValidationError(
            "Use feature, age_group, gender, page_url, property:<key> or person:<trait> "
            f"(key or trait: {TRAIT_KEY_TEXT}).")


class TopPagesArgsSchema(AnalyticsFilterSchema):
    """The filters and how many pages to show."""

    limit = limit_field(10, 100, "pages")


class Cursor(ParsedString):
    """The `before` cursor of recent-events paging."""

    default_error_messages = {"invalid": "Invalid cursor; pass nextCursor from the last page."}
    parse = staticmethod(decode_cursor)


class RecentArgsSchema(AnalyticsFilterSchema):
    """The filters, the page size and where the page starts."""

    limit = limit_field(20, 100, "events per page")
    before = Cursor(load_default=None,
                    metadata={"description": "nextCursor of the previous page; omit for the "
                                             "newest events"})


class ExportArgsSchema(AnalyticsFilterSchema):
    """The filters and what to export."""

    kind = ma.fields.String(load_default="events", validate=validate.OneOf(("events", "daily")),
                            metadata={"description": "events: every matching event; daily: "
                                                     "counts per local day and feature"})


class StreamArgsSchema(AnalyticsFilterSchema):
    """The filters of the total each frame carries, and where to resume."""

    lastEventId = ma.fields.String(  # noqa: N815
        load_default=None, metadata={"description": "Resume after this event id (EventSource "
                                                     "sends the Last-Event-ID header itself)"})
