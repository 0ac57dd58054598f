"""Response shapes of the analytics endpoints, as the OpenAPI document shows them."""

import marshmallow as ma


def cached_flag() -> ma.fields.Boolean:
    """Return the `cached` field of a cacheable answer."""
    return ma.fields.Boolean(required=True,
                             metadata={"description": "Whether the answer came from the cache"})


def people_count(who: str = "Distinct users and anonymous visitors", *,
                 over_budget_null: bool = False) -> ma.fields.Integer:
    """Return a unique-people count field; `over_budget_null` where a feature filter may
    leave it out.
    """
    if over_budget_null:
        who += ("; null when a feature is selected and more than RAW_READ_MAX_EVENTS of its "
                "events match (they would be read one by one)")
    return ma.fields.Integer(required=True, allow_none=over_budget_null,
                             metadata={"description": who})


def change_percent(figure: str) -> ma.fields.Float:
    """Return the change field of one summary figure."""
    return ma.fields.Float(allow_none=True, required=True, metadata={
        "description": f"{figure}: change in %; null when the previous period's was 0"})


class FeatureCountSchema(ma.Schema):
    """One bar: a feature and its events."""

    feature = ma.fields.String(required=True, metadata={"description": "Event name"})
    count = ma.fields.Integer(required=True, metadata={"description": "Events in the range"})


class DayCountSchema(ma.Schema):
    """One point of the daily line."""

    date = ma.fields.String(required=True, metadata={"description": "YYYY-MM-DD"})
    count = ma.fields.Integer(required=True, metadata={"description": "Events that local day"})


class FeatureUsageSchema(ma.Schema):
    """The original challenge's contract for the feature bars and the daily line, unchanged."""

    barChartData = ma.fields.List(ma.fields.Nested(FeatureCountSchema),  # noqa: N815
                                  required=True, metadata={
                                      "description": "Events per feature, most used first"})
    lineChartData = ma.fields.List(ma.fields.Nested(DayCountSchema),  # noqa: N815
                                   required=True, metadata={
                                       "description": "Events per local day, zero-filled: the "
                                                      "selected feature's, or all features'"})


class TopFeatureSchema(ma.Schema):
    """The most used feature of a period."""

    name = ma.fields.String(required=True, metadata={"description": "Event name"})
    count = ma.fields.Integer(required=True, metadata={"description": "Its events"})


class FiguresSchema(ma.Schema):
    """The summary figures of one period."""

    totalEvents = ma.fields.Integer(  # noqa: N815
        required=True, metadata={"description": "Events in the period"})
    uniqueUsers = people_count(over_budget_null=True)  # noqa: N815
    topFeature = ma.fields.Nested(  # noqa: N815
        TopFeatureSchema, allow_none=True, required=True,
        metadata={"description": "Most used feature; null without events"})
    dailyAverage = ma.fields.Float(  # noqa: N815
        required=True, metadata={"description": "Events per local day, rounded to 2 places"})
    featuresTracked = ma.fields.Integer(  # noqa: N815
        required=True, metadata={"description": "Distinct features with events"})


class ChangeSchema(ma.Schema):
    """Percentage change against the previous period; null where that figure was 0."""

    totalEvents = change_percent("Events")  # noqa: N815
    uniqueUsers = change_percent("Unique users")  # noqa: N815
    topFeature = change_percent("The top feature's events")  # noqa: N815
    dailyAverage = change_percent("Daily average")  # noqa: N815
    featuresTracked = change_percent("Features tracked")  # noqa: N815


class SummarySchema(FiguresSchema):
    """The figures of a period, of the period of equal length before it, and the change."""

    previous = ma.fields.Nested(FiguresSchema, required=True, metadata={
        "description": "The same figures for the period of equal length just before"})
    change = ma.fields.Nested(ChangeSchema, required=True,
                              metadata={"description": "Change against the previous period"})
    startDate = ma.fields.String(  # noqa: N815
        allow_none=True, required=True,
        metadata={"description": "First local day (YYYY-MM-DD); null without data"})
    endDate = ma.fields.String(  # noqa: N815
        allow_none=True, required=True,
        metadata={"description": "Last local day, inclusive; null without data"})
    cached = cached_flag()


class PointSchema(ma.Schema):
    """One bucket of a series."""

    t = ma.fields.String(required=True, metadata={"description": "Bucket start, local time"})
    count = ma.fields.Integer(required=True, metadata={"description": "Events in the bucket"})


class TimeseriesSchema(ma.Schema):
    """A zero-filled series, and optionally the previous period's."""

    granularity = ma.fields.String(required=True,
                                   metadata={"description": "hour, day, week or month"})
    series = ma.fields.List(ma.fields.Nested(PointSchema), required=True,
                            metadata={"description": "Every local bucket of the range"})
    previous = ma.fields.List(ma.fields.Nested(PointSchema), allow_none=True, required=True,
                              metadata={"description": "The period of equal length before, "
                                                       "bucket by bucket; null without compare"})
    cached = cached_flag()


class BreakdownItemSchema(ma.Schema):
    """One value of the dimension."""

    value = ma.fields.String(allow_none=True, required=True,
                             metadata={"description": "The value; null where it is unset"})
    count = ma.fields.Integer(required=True, metadata={"description": "Events"})
    uniqueUsers = people_count(over_budget_null=True)  # noqa: N815


class BreakdownSchema(ma.Schema):
    """The top values of a dimension."""

    by = ma.fields.String(required=True, metadata={"description": "The dimension, as asked"})
    items = ma.fields.List(ma.fields.Nested(BreakdownItemSchema), required=True,
                           metadata={"description": "Most events first"})
    cached = cached_flag()


class PageSchema(ma.Schema):
    """One page and its views."""

    pageUrl = ma.fields.String(required=True,  # noqa: N815
                               metadata={"description": "Page URL"})
    views = ma.fields.Integer(required=True, metadata={"description": "page_view events"})
    uniqueUsers = people_count("Distinct viewers")  # noqa: N815


class TopPagesSchema(ma.Schema):
    """The most viewed pages."""

    pages = ma.fields.List(ma.fields.Nested(PageSchema), required=True,
                           metadata={"description": "Most views first"})
    cached = cached_flag()


class RecentEventSchema(ma.Schema):
    """One stored event."""

    id = ma.fields.Integer(required=True, metadata={"description": "Event id"})
    uuid = ma.fields.String(required=True,
                            metadata={"description": "Event uuid (the client's id for retries)"})
    name = ma.fields.String(required=True, metadata={"description": "Event name"})
    pageUrl = ma.fields.String(allow_none=True, required=True,  # noqa: N815
                               metadata={"description": "Page URL, if any"})
    timestamp = ma.fields.String(required=True,
                                 metadata={"description": "When it happened (ISO 8601, UTC)"})
    userId = ma.fields.Integer(allow_none=True, required=True,  # noqa: N815
                               metadata={"description": "User id; null for anonymous visitors"})
    username = ma.fields.String(allow_none=True, required=True,
                                metadata={"description": "The user's name, if any"})
    anonymousId = ma.fields.String(allow_none=True, required=True,  # noqa: N815
                                   metadata={"description": "Anonymous visitor id, if any"})
    ageGroup = ma.fields.String(allow_none=True, required=True,  # noqa: N815
                                metadata={"description": "Age group stored with the event"})
    gender = ma.fields.String(allow_none=True, required=True,
                              metadata={"description": "Gender stored with the event"})
    properties = ma.fields.Dict(allow_none=True, required=True,
                                metadata={"description": "Custom properties, if any"})


class RecentEventsSchema(ma.Schema):
    """A page of the newest events."""

    events = ma.fields.List(ma.fields.Nested(RecentEventSchema), required=True,
                            metadata={"description": "Newest first"})
    nextCursor = ma.fields.String(  # noqa: N815
        allow_none=True, required=True,
        metadata={"description": "Pass as `before` for the next page; null on the last page"})
