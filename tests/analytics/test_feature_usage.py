"""GET /api/v1/analytics: the original challenge's contract, filters, zero-fill and time zones."""

import pytest

from tests.analytics.conftest import FixtureEvent, utc


@pytest.fixture
def march(fixtures):
    """Three people, a handful of events in March 2026 (UTC)."""
    teen = fixtures.person(16, "Female")
    adult = fixtures.person(30, "Male")
    senior = fixtures.person(65, "Other")
    fixtures.add(
        FixtureEvent("date_filter", utc(2026, 3, 1, 9), teen),
        FixtureEvent("date_filter", utc(2026, 3, 1, 10), adult),
        FixtureEvent("date_filter", utc(2026, 3, 3, 11), senior),
        FixtureEvent("gender_filter", utc(2026, 3, 3, 12), adult),
        FixtureEvent("gender_filter", utc(2026, 3, 4, 12), adult),
        FixtureEvent("bar_chart_click", utc(2026, 3, 4, 23, 59), teen),
        FixtureEvent("page_view", utc(2026, 3, 4, 8), anonymous_id="visitor-1"),
    )
    return fixtures


def test_bars_and_line_match_the_seed_shape(get_json, march):
    status, body = get_json("/analytics", startDate="2026-03-01", endDate="2026-03-05")
    assert status == 200
    assert set(body) == {"barChartData", "lineChartData"}
    assert body["barChartData"] == [
        {"feature": "date_filter", "count": 3},
        {"feature": "gender_filter", "count": 2},
        {"feature": "bar_chart_click", "count": 1},
        {"feature": "page_view", "count": 1},
    ]
    assert body["lineChartData"] == [
        {"date": "2026-03-01", "count": 2},
        {"date": "2026-03-02", "count": 0},
        {"date": "2026-03-03", "count": 2},
        {"date": "2026-03-04", "count": 3},
        {"date": "2026-03-05", "count": 0},
    ]


def test_feature_selects_the_line_but_not_the_bars(get_json, march):
    _, body = get_json("/analytics", startDate="2026-03-01", endDate="2026-03-04",
                       feature="gender_filter")
    assert [bar["count"] for bar in body["barChartData"]] == [3, 2, 1, 1]
    assert [point["count"] for point in body["lineChartData"]] == [0, 0, 1, 1]


@pytest.mark.parametrize(("params", "expected_bars"), [
    ({"ageGroup": "<18"}, {"date_filter": 1, "bar_chart_click": 1}),
    ({"ageGroup": "18-40"}, {"date_filter": 1, "gender_filter": 2}),
    ({"ageGroup": ">40"}, {"date_filter": 1}),
    ({"gender": "Male"}, {"date_filter": 1, "gender_filter": 2}),
    ({"gender": "Female"}, {"date_filter": 1, "bar_chart_click": 1}),
    ({"gender": "Other", "ageGroup": ">40"}, {"date_filter": 1}),
    ({"gender": "Other", "ageGroup": "<18"}, {}),
    ({"ageGroup": "All", "gender": "All"},
     {"date_filter": 3, "gender_filter": 2, "bar_chart_click": 1, "page_view": 1}),
    ({"startDate": "2026-03-03", "endDate": "2026-03-03"},
     {"date_filter": 1, "gender_filter": 1}),
    ({"startDate": "2026-03-04", "gender": "Male"}, {"gender_filter": 1}),
    ({"endDate": "2026-03-01"}, {"date_filter": 2}),
    ({"startDate": "2026-03-04T12:00:00Z", "endDate": "2026-03-04T23:59:00Z"},
     {"gender_filter": 1, "bar_chart_click": 1}),
])
def test_each_filter_alone_and_combined(get_json, march, params, expected_bars):
    status, body = get_json("/analytics", **params)
    assert status == 200
    assert {bar["feature"]: bar["count"] for bar in body["barChartData"]} == expected_bars
    assert sum(point["count"] for point in body["lineChartData"]) == sum(expected_bars.values())


def test_no_dates_covers_the_whole_history(get_json, march):
    _, body = get_json("/analytics")
    assert sum(bar["count"] for bar in body["barChartData"]) == 7
    assert body["lineChartData"][0]["date"] == "2026-03-01"
    assert body["lineChartData"][-1]["date"] == "2026-03-04"


def test_empty_database_gives_empty_charts(get_json):
    status, body = get_json("/analytics")
    assert status == 200
    assert body == {"barChartData": [], "lineChartData": []}


def test_range_without_events_is_all_zeros(get_json, march):
    _, body = get_json("/analytics", startDate="2026-04-01", endDate="2026-04-03")
    assert body["barChartData"] == []
    assert body["lineChartData"] == [{"date": f"2026-04-0{day}", "count": 0} for day in (1, 2, 3)]


def test_day_buckets_follow_the_time_zone_across_dst(get_json, fixtures):
    """Clocks in New York jump from 02:00 to 03:00 on 2026-03-08."""
    fixtures.add(
        FixtureEvent("x", utc(2026, 3, 8, 4, 30)),   # 23:30 EST on March 7
        FixtureEvent("x", utc(2026, 3, 8, 5, 30)),   # 00:30 EST on March 8
        FixtureEvent("x", utc(2026, 3, 9, 3, 30)),   # 23:30 EDT on March 8
        FixtureEvent("x", utc(2026, 3, 9, 4, 30)),   # 00:30 EDT on March 9
    )
    _, in_utc = get_json("/analytics", startDate="2026-03-07", endDate="2026-03-09")
    _, in_new_york = get_json("/analytics", startDate="2026-03-07", endDate="2026-03-09",
                              tz="America/New_York")
    assert [p["count"] for p in in_utc["lineChartData"]] == [0, 2, 2]
    assert [p["count"] for p in in_new_york["lineChartData"]] == [1, 2, 1]


def test_half_hour_zones_bucket_correctly(get_json, fixtures):
    """India is UTC+05:30: 18:45 UTC on March 1 is 00:15 on March 2 there."""
    fixtures.add(FixtureEvent("x", utc(2026, 3, 1, 18, 45)),
                 FixtureEvent("x", utc(2026, 3, 1, 18, 15)))
    _, body = get_json("/analytics", startDate="2026-03-01", endDate="2026-03-02",
                       tz="Asia/Kolkata")
    assert body["lineChartData"] == [{"date": "2026-03-01", "count": 1},
                                     {"date": "2026-03-02", "count": 1}]


def test_requires_login(client):
    response = client.get("/api/v1/analytics")
    assert response.status_code == 401


@pytest.mark.parametrize(("params", "field"), [
    ({"startDate": "2025-13-45"}, "startDate"),
    ({"startDate": "yesterday"}, "startDate"),
    ({"endDate": "2026-02-30"}, "endDate"),
    ({"startDate": "2026-03-05", "endDate": "2026-03-01"}, "endDate"),
    ({"startDate": "2020-01-01", "endDate": "2026-01-01"}, "endDate"),
    ({"ageGroup": "teens"}, "ageGroup"),
    ({"ageGroup": "18–40"}, "ageGroup"),
    ({"gender": "male"}, "gender"),
    ({"tz": "Mars/Olympus"}, "tz"),
    ({"tz": "../../etc/passwd"}, "tz"),
    ({"feature": "bad;name"}, "feature"),
    ({"colour": "red"}, "colour"),
])
def test_bad_parameters_are_400_with_field_details(get_json, params, field):
    status, body = get_json("/analytics", **params)
    assert status == 400
    assert field in body["details"], body
