"""Request and response shapes of the seed systems' dialects, in each seed's own field names.

The rules are /api/v1's (app.validators, app.auth.schemas, app.analytics.schemas); only the
names and the shapes differ.
"""

from zoneinfo import ZoneInfo

import marshmallow as ma
from marshmallow import validate

from app.analytics.ranges import MAX_RANGE, MAX_RANGE_TEXT
from app.analytics.schemas import DateOrDateTime, as_utc
from app.models import GENDERS
from app.validators import EVENT_NAME, OptionalText, Properties

UTC = ZoneInfo("UTC")

# insightloop's age filter sends bounds; those that line up with an age group, as
# (minAge, maxAge): maxAge None means any upper bound (its client sends 41-100).
AGE_BOUNDS = {(0, 17): "<18", (18, 40): "18-40", (41, None): ">40"}
AGE_BOUNDS_HELP = ("Age bounds must line up with an age group: minAge=0&maxAge=17 (<18), "
                   "minAge=18&maxAge=40 (18-40), or minAge=41 with any maxAge (>40); "
                   "leave both out for all ages.")


def age_group_of(min_age: int | None, max_age: int | None) -> str | None:
    """The age group the bounds stand for, None for all ages; ValueError otherwise."""
    if min_age is None and max_age is None:
        return None
    if min_age == 41 and (max_age is None or max_age >= 41):
        return ">40"
    if (min_age, max_age) in AGE_BOUNDS:
        return AGE_BOUNDS[(min_age, max_age)]
    raise ValueError(AGE_BOUNDS_HELP)


def checked_range(start, end, start_name: str, end_name: str) -> None:
    """Require `end` not before `start` and the range within MAX_RANGE (both in UTC)."""
    if start is None or end is None:
        return
    start_utc, end_utc = as_utc(start, UTC, end=False), as_utc(end, UTC, end=True)
    if end_utc <= start_utc:
        raise ma.ValidationError(f"{end_name} must not be before {start_name}.", end_name)
    if end_utc - start_utc > MAX_RANGE:
        raise ma.ValidationError(f"The range may span at most {MAX_RANGE_TEXT}.", end_name)


class BlankIsMissing(ma.Schema):
    """Query strings where an empty value (`gender=`) means the filter is not set."""

    @ma.pre_load
    def drop_blanks(self, data, **_kwargs):
        """Leave out parameters sent empty, as form-built query strings do."""
        return {name: value for name, value in data.items() if value != ""}


# --- insightloop (seed 000) ------------------------------------------------------------------

class InsightloopMessageSchema(ma.Schema):
    """A one-line confirmation."""

    message = ma.fields.String(required=True, metadata={"description": "What was done"})


class LoginTokenSchema(ma.Schema):
    """insightloop's login answer: the session token alone."""

    token = ma.fields.String(required=True, metadata={
        "description": "A session JWT; send it as `Authorization: Bearer <token>` (also "
                       "accepted by /api/v1)"})


class FeatureClickSchema(ma.Schema):
    """insightloop's feature click."""

    featureName = ma.fields.String(  # noqa: N815 - the seed's name
        required=True, validate=EVENT_NAME, metadata={"description": "The feature clicked"})


class InsightloopAnalyticsArgsSchema(BlankIsMissing):
    """insightloop's chart filters: gender, age bounds and a date range (all optional)."""

    gender = ma.fields.String(load_default=None, metadata={
        "description": "Male, Female or Other (any letter case); All or empty for every gender"})
    minAge = ma.fields.Integer(  # noqa: N815 - the seed's name
        load_default=None, strict=False, validate=validate.Range(min=0, max=1000),
        metadata={"description": "Lower age bound: 0, 18 or 41 (see maxAge)"})
    maxAge = ma.fields.Integer(  # noqa: N815 - the seed's name
        load_default=None, strict=False, validate=validate.Range(min=0, max=1000),
        metadata={"description": "Upper age bound: 17 with minAge=0, 40 with minAge=18, "
                                 "any (e.g. 100) with minAge=41"})
    start = DateOrDateTime(load_default=None, metadata={
        "description": "First day, YYYY-MM-DD (or an ISO datetime), inclusive, UTC"})
    end = DateOrDateTime(load_default=None, metadata={
        "description": "Last day, YYYY-MM-DD (or an ISO datetime), inclusive, UTC"})

    @ma.validates("gender")
    def check_gender(self, value, **_kwargs):
        """Male, Female, Other or All, in any letter case."""
        if value is not None and value.capitalize() not in (*GENDERS, "All"):
            raise ma.ValidationError("Gender must be Male, Female, Other or All.")

    @ma.validates_schema
    def check_bounds(self, data, **_kwargs):
        """Age bounds that line up with an age group, and a range within MAX_RANGE."""
        try:
            age_group_of(data.get("minAge"), data.get("maxAge"))
        except ValueError as exc:
            raise ma.ValidationError(str(exc), "minAge") from None
        checked_range(data.get("start"), data.get("end"), "start", "end")

    @ma.post_load
    def to_filters(self, data, **_kwargs):
        """The filters as the analytics service takes them."""
        gender = (data.get("gender") or "All").capitalize()
        return {"age_group": age_group_of(data.get("minAge"), data.get("maxAge")),
                "gender": None if gender == "All" else gender,
                "start": as_utc(data["start"], UTC, end=False) if data.get("start") else None,
                "end": as_utc(data["end"], UTC, end=True) if data.get("end") else None}


class ChartsSchema(ma.Schema):
    """insightloop's charts: counts per feature and per day."""

    barChart = ma.fields.Dict(  # noqa: N815 - the seed's name
        keys=ma.fields.String(), values=ma.fields.Integer(), required=True,
        metadata={"description": "Events per feature name"})
    lineChart = ma.fields.Dict(  # noqa: N815 - the seed's name
        keys=ma.fields.String(), values=ma.fields.Integer(), required=True,
        metadata={"description": "Events per UTC day (YYYY-MM-DD), zero-filled over the range "
                                 "(open ends: the first and last day with data)"})


# --- analytics-module (seed 004) -------------------------------------------------------------

class SummaryRangeArgsSchema(ma.Schema):
    """analytics-module's range: both ends required, inclusive."""

    from_ = DateOrDateTime(required=True, data_key="from", metadata={
        "description": "Start of the range, ISO 8601 (a datetime, or a date for its whole "
                       "UTC day), inclusive"})
    to = DateOrDateTime(required=True, metadata={
        "description": "End of the range, ISO 8601 (a datetime, or a date for its whole UTC "
                       "day), inclusive; not before `from`"})

    @ma.validates_schema
    def check_range(self, data, **_kwargs):
        """`to` not before `from`, and at most MAX_RANGE between them."""
        checked_range(data.get("from_"), data.get("to"), "from", "to")

    @ma.post_load
    def to_instants(self, data, **_kwargs):
        """The range as UTC instants, the end exclusive."""
        return {"start": as_utc(data["from_"], UTC, end=False),
                "end": as_utc(data["to"], UTC, end=True)}


class SummaryDataSchema(ma.Schema):
    """analytics-module's figures for the range."""

    totalEvents = ma.fields.Integer(  # noqa: N815 - the seed's name
        required=True, metadata={"description": "Events in the range"})
    uniqueUsers = ma.fields.Integer(  # noqa: N815 - the seed's name
        required=True, metadata={"description": "Distinct users and anonymous visitors"})
    eventsByType = ma.fields.Dict(  # noqa: N815 - the seed's name
        keys=ma.fields.String(), values=ma.fields.Integer(), required=True,
        metadata={"description": "Events per event name"})


class ModuleSummarySchema(ma.Schema):
    """analytics-module's summary answer."""

    data = ma.fields.Nested(SummaryDataSchema, required=True,
                            metadata={"description": "The figures"})
    cached = ma.fields.Boolean(required=True, metadata={
        "description": "Whether every figure came from the answer cache"})


class HealthOkSchema(ma.Schema):
    """analytics-module's health answer."""

    status = ma.fields.String(required=True, metadata={"description": "Always ok"})


# --- realtime (seed 003) ---------------------------------------------------------------------

class RealtimeEventSchema(ma.Schema):
    """realtime's event, in its own field names."""

    event_type = ma.fields.String(required=True, validate=EVENT_NAME, metadata={
        "description": "What happened, e.g. PAGE_VIEW (stored as page_view, which website "
                       "analytics count), BUTTON_CLICK, SESSION_START, PURCHASE"})
    user_id = OptionalText(64, metadata={"description": "The person (stored as anonymous_id)"})
    session_id = OptionalText(64, metadata={"description": "The visit it belongs to"})
    page_url = OptionalText(2000, metadata={"description": "The page it happened on"})
    metadata = Properties(load_default=None, allow_none=True, metadata={
        "description": "Free-form details, a JSON object (stored as properties)"})
    timestamp = ma.fields.AwareDateTime(load_default=None, allow_none=True,
                                        default_timezone=ZoneInfo("UTC"), metadata={
                                            "description": "When it happened (ISO 8601); "
                                                           "default: when received"})


class RealtimeAcceptedSchema(ma.Schema):
    """realtime's ingestion answer."""

    success = ma.fields.Boolean(required=True, metadata={"description": "Always true"})
    message = ma.fields.String(required=True, metadata={"description": "What was done"})
