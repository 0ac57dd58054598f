"""Summary, time series, breakdowns, top pages and recent events on known fixtures."""

import base64
import time

import pytest

from app.analytics.ranges import MAX_RANGE, MAX_SERIES_POINTS
from tests.analytics.conftest import FixtureEvent, utc


@pytest.fixture
def two_weeks(fixtures):
    """Week one (Mar 2-8) and week two (Mar 9-15) of 2026 with different activity."""
    ann = fixtures.person(25, "Female")
    bob = fixtures.person(45, "Male")
    fixtures.add(
        # previous period: 4 events, 1 user + 1 visitor, 2 features
        FixtureEvent("date_filter", utc(2026, 3, 2, 10), ann),
        FixtureEvent("date_filter", utc(2026, 3, 3, 10), ann),
        FixtureEvent("refresh", utc(2026, 3, 5, 10), ann),
        FixtureEvent("page_view", utc(2026, 3, 8, 10), anonymous_id="v1", page_url="/pricing"),
        # current period: 7 events, 2 users + 2 visitors, 3 features
        FixtureEvent("date_filter", utc(2026, 3, 9, 10), ann,
                     properties={"preset": "7d"}),
        FixtureEvent("date_filter", utc(2026, 3, 9, 11), bob,
                     properties={"preset": "30d"}),
        FixtureEvent("date_filter", utc(2026, 3, 10, 10), bob,
                     properties={"preset": "7d"}),
        FixtureEvent("refresh", utc(2026, 3, 12, 10), bob),
        FixtureEvent("page_view", utc(2026, 3, 13, 10), anonymous_id="v1", page_url="/pricing"),
        FixtureEvent("page_view", utc(2026, 3, 14, 10), anonymous_id="v2", page_url="/pricing"),
        FixtureEvent("page_view", utc(2026, 3, 15, 10), anonymous_id="v2", page_url="/docs"),
    )
    return fixtures


CURRENT = {"startDate": "2026-03-09", "endDate": "2026-03-15"}


def test_summary_figures_previous_period_and_change(get_json, two_weeks):
    status, body = get_json("/analytics/summary", **CURRENT)
    assert status == 200
    assert body["totalEvents"] == 7
    assert body["uniqueUsers"] == 4
    assert body["topFeature"] == {"name": "date_filter", "count": 3}
    assert body["dailyAverage"] == 1.0
    assert body["featuresTracked"] == 3
    assert body["previous"] == {"totalEvents": 4, "uniqueUsers": 2,
                                "topFeature": {"name": "date_filter", "count": 2},
                                "dailyAverage": round(4 / 7, 2), "featuresTracked": 3}
    assert body["change"] == {"totalEvents": 75.0, "uniqueUsers": 100.0, "topFeature": 50.0,
                              "dailyAverage": round((1.0 - 0.57) / 0.57 * 100, 1),
                              "featuresTracked": 0.0}
    assert (body["startDate"], body["endDate"]) == ("2026-03-09", "2026-03-15")
    assert body["cached"] is False


def test_change_is_null_where_the_previous_figure_is_zero(get_json, two_weeks):
    _, body = get_json("/analytics/summary", startDate="2026-03-02", endDate="2026-03-08")
    assert body["previous"]["totalEvents"] == 0
    assert body["change"] == {"totalEvents": None, "uniqueUsers": None, "topFeature": None,
                              "dailyAverage": None, "featuresTracked": None}


def test_summary_with_filters(get_json, two_weeks):
    _, body = get_json("/analytics/summary", gender="Male", **CURRENT)
    assert (body["totalEvents"], body["uniqueUsers"]) == (3, 1)
    _, body = get_json("/analytics/summary", feature="page_view", **CURRENT)
    assert (body["totalEvents"], body["uniqueUsers"], body["featuresTracked"]) == (3, 2, 1)
    assert body["topFeature"] == {"name": "page_view", "count": 3}


def test_empty_summary(get_json):
    status, body = get_json("/analytics/summary")
    assert status == 200
    assert body["totalEvents"] == 0 and body["topFeature"] is None
    assert body["change"]["totalEvents"] is None


def test_timeseries_by_day_with_previous_period(get_json, two_weeks):
    status, body = get_json("/analytics/timeseries", compare="previous", **CURRENT)
    assert status == 200
    assert [point["count"] for point in body["series"]] == [2, 1, 0, 1, 1, 1, 1]
    assert body["series"][0]["t"] == "2026-03-09"
    assert [point["count"] for point in body["previous"]] == [1, 1, 0, 1, 0, 0, 1]
    assert body["previous"][0]["t"] == "2026-03-02"


def test_timeseries_without_compare_has_null_previous(get_json, two_weeks):
    _, body = get_json("/analytics/timeseries", **CURRENT)
    assert body["previous"] is None


def test_timeseries_by_week_and_month(get_json, two_weeks):
    _, weekly = get_json("/analytics/timeseries", granularity="week",
                         startDate="2026-03-02", endDate="2026-03-15")
    assert weekly["series"] == [{"t": "2026-03-02", "count": 4}, {"t": "2026-03-09", "count": 7}]
    _, monthly = get_json("/analytics/timeseries", granularity="month",
                          startDate="2026-02-01", endDate="2026-04-30")
    assert [point["count"] for point in monthly["series"]] == [0, 11, 0]
    assert [point["t"] for point in monthly["series"]] == ["2026-02-01", "2026-03-01",
                                                          "2026-04-01"]


def test_hourly_series_across_dst_has_23_hours(get_json, fixtures):
    fixtures.add(FixtureEvent("x", utc(2026, 3, 8, 6, 15)),   # 01:15 EST
                 FixtureEvent("x", utc(2026, 3, 8, 7, 15)))   # 03:15 EDT (02:xx skipped)
    _, body = get_json("/analytics/timeseries", granularity="hour", startDate="2026-03-08",
                       endDate="2026-03-08", tz="America/New_York")
    assert len(body["series"]) == 23
    by_hour = {point["t"]: point["count"] for point in body["series"]}
    assert by_hour["2026-03-08T01:00:00-05:00"] == 1
    assert by_hour["2026-03-08T03:00:00-04:00"] == 1
    assert sum(by_hour.values()) == 2


def test_hourly_series_on_the_day_clocks_go_back_has_25_hours(get_json, fixtures):
    fixtures.add(FixtureEvent("x", utc(2026, 11, 1, 5, 30)),   # 01:30 EDT
                 FixtureEvent("x", utc(2026, 11, 1, 6, 30)))   # 01:30 EST
    _, body = get_json("/analytics/timeseries", granularity="hour", startDate="2026-11-01",
                       endDate="2026-11-01", tz="America/New_York")
    assert len(body["series"]) == 25
    by_hour = {point["t"]: point["count"] for point in body["series"]}
    assert by_hour["2026-11-01T01:00:00-04:00"] == 1
    assert by_hour["2026-11-01T01:00:00-05:00"] == 1


@pytest.mark.parametrize(("params", "field"), [
    ({"granularity": "hour", "startDate": "2026-01-01", "endDate": "2026-03-15"},
     "granularity"),
    ({"granularity": "hour"}, "granularity"),
    ({"granularity": "minute"}, "granularity"),
    ({"compare": "next"}, "compare"),
])
def test_timeseries_bad_parameters(get_json, params, field):
    status, body = get_json("/analytics/timeseries", **params)
    assert status == 400
    assert field in body["details"]


def test_breakdown_by_dimensions(get_json, two_weeks):
    _, by_feature = get_json("/analytics/breakdown", by="feature", **CURRENT)
    assert by_feature["items"] == [
        {"value": "date_filter", "count": 3, "uniqueUsers": 2},
        {"value": "page_view", "count": 3, "uniqueUsers": 2},
        {"value": "refresh", "count": 1, "uniqueUsers": 1},
    ]
    _, by_gender = get_json("/analytics/breakdown", by="gender", **CURRENT)
    assert {item["value"]: item["count"] for item in by_gender["items"]} == \
        {"Male": 3, "Female": 1, None: 3}
    _, by_age = get_json("/analytics/breakdown", by="age_group", limit=1, **CURRENT)
    # Ties are broken by value, with "no value" (anonymous visitors) last on both databases.
    assert by_age["items"] == [{"value": ">40", "count": 3, "uniqueUsers": 1}]


def test_breakdown_by_property(get_json, two_weeks):
    _, body = get_json("/analytics/breakdown", by="property:preset", feature="date_filter",
                       **CURRENT)
    assert body["items"] == [{"value": "7d", "count": 2, "uniqueUsers": 2},
                             {"value": "30d", "count": 1, "uniqueUsers": 1}]


# One property, a value of each JSON type per event; the rows say what each one reads as.
MIXED_VALUES = [("plain", "plain"), (7, "7"), (2.5, "2.5"), (True, "true"), (False, "false"),
                ("true", "true"), (None, None), ({"x": 1}, None), ([1, 2], None)]


def test_breakdown_by_property_reads_each_json_type_alike_on_every_database(get_json,
                                                                           fixtures):
    fixtures.add(*[FixtureEvent("signup", utc(2026, 3, 10, hour), anonymous_id=f"v{hour}",
                                properties={"kind": value})
                   for hour, (value, _) in enumerate(MIXED_VALUES)],
                 FixtureEvent("signup", utc(2026, 3, 10, 20), anonymous_id="v20"))
    _, body = get_json("/analytics/breakdown", by="property:kind", limit=20, **CURRENT)
    expected: dict = {}
    for _, text in [*MIXED_VALUES, (None, None)]:  # the last one: no properties at all
        expected[text] = expected.get(text, 0) + 1
    assert {item["value"]: item["count"] for item in body["items"]} == expected


@pytest.mark.parametrize("by", ["user_id", "property:", "property:a'b", "property:x;drop",
                                "name) --", "property:" + "k" * 65])
def test_breakdown_rejects_dimensions_outside_the_allowlist(get_json, by):
    status, body = get_json("/analytics/breakdown", by=by)
    assert status == 400
    assert "by" in body["details"]


@pytest.mark.parametrize("limit", ["0", "101", "ten"])
def test_limit_is_bounded(get_json, limit):
    status, body = get_json("/analytics/breakdown", by="feature", limit=limit)
    assert status == 400 and "limit" in body["details"]


def test_top_pages(get_json, two_weeks):
    _, body = get_json("/analytics/top-pages", **CURRENT)
    assert body["pages"] == [{"pageUrl": "/pricing", "views": 2, "uniqueUsers": 2},
                             {"pageUrl": "/docs", "views": 1, "uniqueUsers": 1}]


def test_recent_events_page_in_order_without_gaps_or_overlap(get_json, fixtures):
    person = fixtures.person(33, "Female")
    # 25 events, several sharing a timestamp, so ordering must fall back to the id.
    fixtures.add(*[FixtureEvent(f"e{i}", utc(2026, 3, 1, 10, i // 3), person)
                   for i in range(25)])
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 10} if cursor is None else {"limit": 10, "before": cursor}
        status, body = get_json("/analytics/recent", **params)
        assert status == 200
        seen.extend(body["events"])
        pages += 1
        cursor = body["nextCursor"]
        if cursor is None:
            break
    assert pages == 3
    assert len(seen) == 25 and len({event["id"] for event in seen}) == 25
    keys = [(event["timestamp"], event["id"]) for event in seen]
    assert keys == sorted(keys, reverse=True)
    assert seen[0]["name"] == "e24" and seen[0]["username"].startswith("p")
    assert seen[0]["ageGroup"] == "18-40"


def test_recent_rejects_a_forged_cursor(get_json):
    status, body = get_json("/analytics/recent", before="not-a-cursor")
    assert status == 400 and "before" in body["details"]


def test_recent_applies_filters(get_json, two_weeks):
    _, body = get_json("/analytics/recent", gender="Male", **CURRENT)
    assert [event["name"] for event in body["events"]] == ["refresh", "date_filter",
                                                           "date_filter"]


@pytest.mark.parametrize("path", ["/analytics", "/analytics/summary", "/analytics/timeseries",
                                  "/analytics/breakdown?by=feature", "/analytics/top-pages",
                                  "/analytics/recent", "/analytics/export.csv",
                                  "/analytics/stream"])
def test_every_endpoint_needs_login(client, path):
    response = client.get(f"/api/v1{path}")
    assert response.status_code == 401


def test_every_endpoint_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/analytics", "/analytics/summary", "/analytics/timeseries",
                 "/analytics/breakdown", "/analytics/top-pages", "/analytics/recent",
                 "/analytics/export.csv", "/analytics/stream"):
        operation = spec["paths"][f"/api/v1{path}"]["get"]
        names = {parameter["name"] for parameter in operation["parameters"]}
        assert {"startDate", "endDate", "ageGroup", "gender", "feature", "tz"} <= names, path
        assert "400" in operation["responses"], path
    assert "Summary" in spec["components"]["schemas"]


# Hostile ranges and cursors (issue #17): each answered 500 or took seconds before.

def test_an_end_date_at_the_end_of_time_is_400_naming_the_span(get_json):
    status, body = get_json("/analytics/summary", endDate="9999-12-31")
    assert status == 400
    # The error alone names the field and the span.
    assert body == {"error": "Invalid request: endDate: Dates must lie between 2000-01-01 and "
                             "2099-12-31.",
                    "details": {"endDate": ["Dates must lie between 2000-01-01 and 2099-12-31."]}}


@pytest.mark.parametrize("params", [
    {"startDate": "1999-12-31"}, {"endDate": "2100-01-01"},
    {"startDate": "0001-01-01T00:00:00+14:00"}, {"endDate": "9999-12-31T23:59:59-14:00"},
    {"startDate": "2000-01-01T00:30:00+01:00"},  # an instant before the span's first
])
def test_dates_outside_the_span_are_400(get_json, params):
    status, body = get_json("/analytics/timeseries", **params)
    assert status == 400
    (field,) = params
    assert body["error"] == (f"Invalid request: {field}: Dates must lie between 2000-01-01 "
                             f"and 2099-12-31.")


def test_the_span_s_edges_are_answered(get_json):
    status, body = get_json("/analytics/summary", startDate="2097-01-01",
                            endDate="2099-12-31", tz="Pacific/Kiritimati")
    assert status == 200 and body["totalEvents"] == 0
    status, body = get_json("/analytics/summary", startDate="2000-01-01",
                            endDate="2002-12-31", tz="Etc/GMT+12")
    assert status == 200 and body["previous"]["totalEvents"] == 0


def test_a_cursor_at_the_first_instant_of_year_one_is_400(get_json):
    cursor = base64.urlsafe_b64encode(b"0001-01-01T00:00:00+14:00|1").decode().rstrip("=")
    status, body = get_json("/analytics/recent", before=cursor)
    assert status == 400
    assert body["error"] == "Invalid request: before: Invalid cursor; pass nextCursor from the " \
                            "last page."


def test_an_open_range_from_year_one_is_400_at_once(get_json, fixtures):
    fixtures.add(FixtureEvent("x", utc(2026, 3, 1, 12)))
    started = time.perf_counter()
    status, body = get_json("/analytics/timeseries", startDate="0001-01-01", tz="Etc/GMT+5")
    assert status == 400 and "startDate" in body["details"]
    assert time.perf_counter() - started < 1


@pytest.fixture
def six_years(fixtures):
    """One event in January 2020 and one in March 2026: further apart than MAX_RANGE."""
    fixtures.add(FixtureEvent("old", utc(2020, 1, 15, 12)),
                 FixtureEvent("new", utc(2026, 3, 10, 12)))


def test_all_time_is_held_to_the_last_three_years_of_data(get_json, six_years):
    _, body = get_json("/analytics/timeseries")
    days = [point["t"] for point in body["series"]]
    assert days[-1] == "2026-03-10"
    assert len(days) == MAX_RANGE.days
    assert sum(point["count"] for point in body["series"]) == 1
    _, summary = get_json("/analytics/summary")
    assert (summary["startDate"], summary["endDate"]) == (days[0], "2026-03-10")
    # The previous period, 2020-03-10 to 2023-03-09, ends before January 2020 too.
    assert summary["totalEvents"] == 1 and summary["previous"]["totalEvents"] == 0
    _, usage = get_json("/analytics")
    assert usage["barChartData"] == [{"feature": "new", "count": 1}]
    assert len(usage["lineChartData"]) == MAX_RANGE.days
    _, breakdown = get_json("/analytics/breakdown", by="feature")
    assert [item["value"] for item in breakdown["items"]] == ["new"]


def test_an_open_end_is_held_to_three_years_after_the_start(get_json, six_years):
    _, body = get_json("/analytics/timeseries", startDate="2020-01-01")
    days = [point["t"] for point in body["series"]]
    assert days[0] == "2020-01-01" and len(days) == MAX_RANGE.days
    assert sum(point["count"] for point in body["series"]) == 1  # January 2020's
    _, body = get_json("/analytics/timeseries", endDate="2026-03-31")
    days = [point["t"] for point in body["series"]]
    assert days[-1] == "2026-03-31" and len(days) == MAX_RANGE.days


def test_an_open_range_beyond_all_data_is_empty(get_json, six_years):
    status, body = get_json("/analytics/summary", startDate="2027-01-01")
    assert status == 200
    assert body["totalEvents"] == 0 and body["startDate"] is None


def test_too_many_hours_name_the_sizes_that_fit(get_json):
    status, body = get_json("/analytics/timeseries", granularity="hour",
                            startDate="2026-01-01", endDate="2026-03-31")
    assert status == 400
    assert body["error"] == (f"Invalid request: granularity: Too many points for hour (a "
                             f"series holds at most {MAX_SERIES_POINTS}): use day, week or "
                             f"month.")


def test_hourly_series_cover_two_months(get_json, fixtures):
    fixtures.add(FixtureEvent("x", utc(2026, 2, 20, 12)))
    status, body = get_json("/analytics/timeseries", granularity="hour",
                            startDate="2026-01-01", endDate="2026-03-02")
    assert status == 200
    assert len(body["series"]) == 61 * 24
    assert sum(point["count"] for point in body["series"]) == 1
