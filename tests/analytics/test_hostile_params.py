"""Every query parameter of every analytics endpoint, fed hostile values: never a 5xx.

Dates from year 1 to 9999 (valid and not), every IANA zone, forged cursors (random bytes,
and cursors naming instants at the ends of datetime's range), huge and negative limits,
and unknown parameters. Each answer is a 2xx or a 4xx whose JSON body has an `error`; a
series never holds more than MAX_SERIES_POINTS buckets, and no answer takes seconds.

HOSTILE_EXAMPLES sets the examples per endpoint: 60 by default, 300 when CI is set (about
20 s and a minute on SQLite).
The live stream never ends, so its arguments are parsed with its schema directly.
"""

import base64
import os
import time
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import available_timezones

import marshmallow as ma
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.analytics.ranges import MAX_SERIES_POINTS
from app.analytics.schemas import StreamArgsSchema
from app.analytics.web_filters import WEB_FILTER_NAMES
from app.cursors import encode_cursor
from app.validators import SPAN_END, SPAN_START
from tests.analytics.conftest import FixtureEvent, utc
from tests.conftest import DEFAULT_PASSWORD

DEFAULT_EXAMPLES = "300" if os.environ.get("CI") else "60"
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES") or DEFAULT_EXAMPLES)
# Far above any honest answer here (tens of milliseconds), far below the 20 s an unbounded
# range once took.
SLOW_ANSWER_SECONDS = 5
ZONES = sorted(available_timezones())

offsets = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes)))
positive_offsets = st.integers(1, 24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes)))
# The first and last days datetime knows, where a day's end or a zone's offset overflows.
extreme_days = st.sampled_from([date.min, date.min + timedelta(days=1),
                                date.max - timedelta(days=1), date.max])
extreme_datetimes = st.one_of(
    st.sampled_from([datetime.min, datetime.max]),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(1, 1, 3)),
    st.datetimes(min_value=datetime(9999, 12, 29), max_value=datetime(9999, 12, 31, 23, 59)))
any_datetime = st.datetimes(min_value=datetime(1, 1, 1)) | extreme_datetimes
span_datetime = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31))
near_span = st.sampled_from([SPAN_START, SPAN_END]).flatmap(
    lambda edge: st.integers(-3 * 86400, 3 * 86400).map(
        lambda seconds: (edge + timedelta(seconds=seconds)).replace(tzinfo=None)))


def with_offset(moments: st.SearchStrategy, zones: st.SearchStrategy = offsets
                ) -> st.SearchStrategy:
    """ISO texts of naive moments made aware in a fixed offset, or left naive, or 'Z'."""
    return st.tuples(moments, st.none() | zones, st.booleans()).map(
        lambda parts: parts[0].isoformat() + "Z" if parts[2] and parts[1] is None
        else parts[0].replace(tzinfo=parts[1]).isoformat())


valid_dates = st.one_of(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)).map(date.isoformat),
    st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31)).map(date.isoformat),
    with_offset(span_datetime | near_span))
# Half of them at the ends of datetime's range, where overflows hide.
hostile_dates = st.one_of(extreme_days.map(date.isoformat), with_offset(extreme_datetimes)) | \
    st.one_of(
    st.dates().map(date.isoformat), with_offset(any_datetime),
    st.dates(min_value=date(1999, 12, 1), max_value=date(2100, 1, 31)).map(date.isoformat),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2})?)?"
                  r"([+-][0-9]{2}:[0-9]{2}|Z)?\Z"),
    st.sampled_from(["", "0000-00-00", "2026-02-30", "2026-13-01", "+002026-01-01",
                     "2026-01-01T24:00:00", "2026-W01", "now", "1e400", "2026-01-01\x00"]),
    st.text(max_size=45))
hostile_zones = st.sampled_from(
    ["", "utc", "Mars/Olympus", "../../etc/passwd", "/usr/share/zoneinfo/UTC", "Europe/",
     "Etc/GMT+15", "UTC\x00", "Europe/Berlin ", "x" * 300]) | st.text(max_size=40)
valid_limits = st.integers(1, 100).map(str)
hostile_limits = st.one_of(
    st.integers(-10**30, 10**30).map(str), st.integers(-3, 200).map(str),
    st.sampled_from(["", "1.5", "1e3", "1e400", "NaN", "-0", "0x10", "99" * 3000]),
    st.text(max_size=12))


def raw_cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8", "surrogatepass")).decode().rstrip("=")


def cursor_naming(moments: st.SearchStrategy, zones: st.SearchStrategy,
                  ids: st.SearchStrategy) -> st.SearchStrategy:
    return st.tuples(moments, zones, ids).map(
        lambda parts: raw_cursor(f"{parts[0].replace(tzinfo=parts[1]).isoformat()}|{parts[2]}"))


valid_cursors = st.tuples(span_datetime.map(lambda moment: moment.replace(tzinfo=UTC)),
                          st.integers(0, 2**63 - 1)).map(lambda parts: encode_cursor(*parts))
hostile_cursors = st.one_of(
    # Instants whose UTC lies outside datetime's years: the year 1 east of Greenwich, the
    # year 9999 west of it.
    cursor_naming(st.just(datetime.min), positive_offsets, st.integers(0, 2**63)),
    cursor_naming(st.just(datetime.max), positive_offsets.map(
        lambda zone: timezone(-zone.utcoffset(None))), st.integers(0, 2**63)),
    cursor_naming(any_datetime, offsets, st.integers(-2**70, 2**70)),
    st.binary(max_size=80).map(lambda raw: base64.urlsafe_b64encode(raw).decode()),
    st.text(max_size=300), st.text(max_size=40).map(raw_cursor))


def choice(values, hostile_text_size: int = 10) -> tuple:
    """(valid, hostile) strategies of a parameter taking one of `values`."""
    return st.sampled_from(values), st.text(max_size=hostile_text_size)


# Each parameter as (valid values, hostile values).
FILTERS = {
    "startDate": (valid_dates, hostile_dates),
    "endDate": (valid_dates, hostile_dates),
    "tz": (st.sampled_from(ZONES), hostile_zones),
    "ageGroup": choice(["<18", "18-40", ">40", "All"]),
    "gender": choice(["Male", "Female", "Other", "All"]),
    "feature": choice(["page_view", "old", "new", "date_filter"], 120),
}
# The website filters: a value, "(none)", or any text (of up to 600 characters).
WEB_FILTERS = {name: (st.sampled_from(["(none)", "/a", "DE", "mobile", "Chrome 120"]),
                      st.text(max_size=600) | st.text(max_size=8))
               for name in WEB_FILTER_NAMES}
ENDPOINTS = {
    "/analytics": {},
    "/analytics/summary": {},
    "/analytics/timeseries": {"granularity": choice(["hour", "day", "week", "month"]),
                              "compare": choice(["previous"])},
    "/analytics/breakdown": {
        "by": (st.sampled_from(["feature", "age_group", "gender", "page_url", "property:k"]),
               st.text(max_size=70).map(lambda key: f"property:{key}") | st.text(max_size=20)),
        "limit": (valid_limits, hostile_limits)},
    "/analytics/top-pages": {"limit": (valid_limits, hostile_limits)},
    "/analytics/recent": {"limit": (valid_limits, hostile_limits),
                          "before": (valid_cursors, hostile_cursors)},
    "/analytics/export.csv": {"kind": choice(["events", "daily"])},
    "/analytics/web/summary": {},
    "/analytics/web/breakdown": {
        "by": (st.sampled_from(["page", "country", "browser_version", "entry_page"]),
               st.text(max_size=20)),
        "limit": (valid_limits, hostile_limits)},
}


# Parameters an endpoint cannot do without, with a valid value.
REQUIRED = {"/analytics/breakdown": {"by": "feature"}, "/analytics/web/breakdown": {"by": "page"}}


@st.composite
def hostile_query(draw, own: dict, required: dict | None = None) -> dict:
    """Some parameters with valid values and up to two with hostile ones: a value reaches
    the arithmetic behind it only when every other parameter passes validation. Now and
    then a website filter (which sends most answers down their raw path), and a misspelt
    parameter.
    """
    query = {**(required or {}), **draw(st.fixed_dictionaries(
        {}, optional={name: valid for name, (valid, _) in {**FILTERS, **own}.items()}))}
    parameters = {**FILTERS, **WEB_FILTERS, **own}
    if draw(st.integers(0, 2)) == 0:
        name = draw(st.sampled_from(sorted(WEB_FILTERS)))
        query[name] = draw(WEB_FILTERS[name][0])
    for name in draw(st.lists(st.sampled_from(sorted(parameters)), max_size=2,
                              unique=True)):
        query[name] = draw(parameters[name][1])
    if draw(st.integers(0, 19)) == 0:
        query["startdate"] = "2026-01-01"
    return query


@pytest.fixture
def hostile_client(make_app, fixtures):
    """A signed-in client over events at the span's very edges and across many years."""
    app = make_app(ANALYTICS_RATE_LIMIT="1000000 per minute")
    person = fixtures.person(30, "Other")
    fixtures.add(
        FixtureEvent("old", SPAN_START, person, page_url="/a"),
        FixtureEvent("page_view", utc(2013, 6, 1, 12), anonymous_id="v1", page_url="/b",
                     properties={"k": "v"}),
        FixtureEvent("page_view", utc(2026, 3, 8, 7, 30), person, page_url="/a"),
        FixtureEvent("new", SPAN_END - timedelta(microseconds=1), anonymous_id="v2"),
    )
    client = app.test_client()
    response = client.post("/api/v1/register", json={
        "username": "hostile", "password": DEFAULT_PASSWORD, "age": 30,
        "gender": "Other"})
    assert response.status_code == 201, response.get_json()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {response.get_json()['token']}"
    return client


def assert_answered_well(client, path: str, params: dict) -> None:
    started = time.perf_counter()
    response = client.get(f"/api/v1{path}", query_string=params)
    body = response.get_data()  # a streamed CSV fails while it is read, so read it all
    elapsed = time.perf_counter() - started
    assert response.status_code < 500, (path, params, response.status_code, body[:300])
    assert elapsed < SLOW_ANSWER_SECONDS, (path, params, elapsed)
    if response.status_code >= 400:
        assert response.is_json and response.get_json()["error"], (path, params, body[:300])
    elif path == "/analytics/timeseries":
        answer = response.get_json()
        assert len(answer["series"]) <= MAX_SERIES_POINTS, params
        assert len(answer["previous"] or []) <= MAX_SERIES_POINTS, params
    elif path == "/analytics":
        assert len(response.get_json()["lineChartData"]) <= MAX_SERIES_POINTS, params


# The examples, tried on every endpoint before anything generated.
KNOWN_HOSTILE = [
    {"endDate": "9999-12-31"},
    {"startDate": "0001-01-01", "tz": "Pacific/Kiritimati"},
    {"startDate": "0001-01-01", "tz": "Etc/GMT+5"},
    {"startDate": "2000-01-01"},
    {},
]
YEAR_ONE_CURSOR = raw_cursor("0001-01-01T00:00:00+14:00|1")


@pytest.mark.parametrize("path", ENDPOINTS)
def test_no_parameters_ever_answer_5xx(hostile_client, path):
    @given(params=hostile_query(ENDPOINTS[path], REQUIRED.get(path)))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def hostile(params):
        assert_answered_well(hostile_client, path, params)

    for params in KNOWN_HOSTILE + ([{"before": YEAR_ONE_CURSOR}] if "before" in
                                   ENDPOINTS[path] else []):
        hostile = example(params={**REQUIRED.get(path, {}), **params})(hostile)
    hostile()


@given(params=hostile_query({"lastEventId": (st.integers(0, 10**6).map(str),
                                              st.text(max_size=30))}))
@example(params=KNOWN_HOSTILE[0])
@example(params=KNOWN_HOSTILE[1])
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None)
def test_the_stream_s_parameters_parse_or_fail_validation(params):
    # The stream never ends, so its arguments go through its schema, as the view's would.
    try:
        loaded = StreamArgsSchema().load(params)
    except ma.ValidationError as error:
        assert error.messages
        return
    filters = loaded["filters"]
    if filters.start is not None and filters.end is not None:
        filters.previous()  # the arithmetic a range may meet must not overflow
    assert filters.cache_key()
