"""Reads of raw events stop at RAW_READ_MAX_EVENTS, counted from the rollups first."""

from datetime import timedelta

import pytest

from tests.analytics.conftest import FixtureEvent, utc

DAY = utc(2026, 3, 10, 12)


@pytest.fixture
def six_events(app, fixtures):
    """Six events over six days: four page views on /a and /b, two clicks."""
    app.config["RAW_READ_MAX_EVENTS"] = 4
    person = fixtures.person(30, "Female")
    fixtures.add(*(FixtureEvent("page_view", DAY + timedelta(days=offset), person,
                                page_url=f"/{'ab'[offset % 2]}", properties={"plan": "pro"})
                   for offset in range(4)),
                 *(FixtureEvent("click", DAY + timedelta(days=offset), person)
                   for offset in (4, 5)))


RANGE = {"startDate": "2026-03-10", "endDate": "2026-03-15"}


@pytest.mark.parametrize("by", ["feature", "page_url", "property:plan"])
def test_raw_breakdown_past_the_budget_is_400_naming_a_range_that_fits(six_events, get_json,
                                                                       by):
    status, body = get_json("/analytics/breakdown", by=by, **RANGE)
    assert status == 400
    assert body["error"].startswith(f"A breakdown by {by} reads every matching event: 6 match")
    assert "at most 4" in body["error"]
    assert "about 4 days or less" in body["error"]  # six days hold six events, four fit


def test_a_range_or_filter_that_fits_is_answered(six_events, get_json):
    status, body = get_json("/analytics/breakdown", by="page_url", startDate="2026-03-10",
                            endDate="2026-03-13")
    assert status == 200
    assert {item["value"]: item["count"] for item in body["items"]} == {"/a": 2, "/b": 2}
    status, body = get_json("/analytics/breakdown", by="feature", feature="click", **RANGE)
    assert status == 200
    assert body["items"] == [{"value": "click", "count": 2, "uniqueUsers": 1}]


def test_rollup_breakdowns_have_no_budget(six_events, get_json):
    status, body = get_json("/analytics/breakdown", by="gender", **RANGE)
    assert status == 200
    assert body["items"] == [{"value": "Female", "count": 6, "uniqueUsers": 1}]


def test_top_pages_counts_only_page_views_against_the_budget(app, six_events, get_json):
    status, body = get_json("/analytics/top-pages", **RANGE)
    assert status == 200  # four page views: exactly the budget
    assert sorted(page["views"] for page in body["pages"]) == [2, 2]
    app.config["RAW_READ_MAX_EVENTS"] = 3
    # Another range than the answer cached above.
    status, body = get_json("/analytics/top-pages", **{**RANGE, "startDate": "2026-03-09"})
    assert status == 400
    assert body["error"].startswith("Top pages reads every matching event: 4 match")


def test_daily_export_past_the_budget_is_400(client, viewer, six_events):
    response = client.get("/api/v1/analytics/export.csv", headers=viewer,
                          query_string={"kind": "daily", **RANGE})
    assert response.status_code == 400
    assert response.get_json()["error"].startswith("The daily export reads every matching")
    response = client.get("/api/v1/analytics/export.csv", headers=viewer,
                          query_string={"kind": "daily", "startDate": "2026-03-10",
                                        "endDate": "2026-03-12"})
    assert response.status_code == 200
    assert response.get_data(as_text=True).splitlines()[1:] == [
        "2026-03-10,page_view,1", "2026-03-11,page_view,1", "2026-03-12,page_view,1"]


def test_unique_people_of_a_feature_past_the_budget_are_left_out_not_the_answer(
        app, six_events, get_json):
    status, body = get_json("/analytics/summary", feature="page_view", **RANGE)
    assert status == 200
    assert (body["totalEvents"], body["uniqueUsers"]) == (4, 1)  # four fit
    app.config["RAW_READ_MAX_EVENTS"] = 3
    range_ = {**RANGE, "startDate": "2026-03-09"}  # not the answer cached above
    status, body = get_json("/analytics/summary", feature="page_view", **range_)
    assert status == 200
    assert (body["totalEvents"], body["uniqueUsers"]) == (4, None)
    assert body["change"]["uniqueUsers"] is None
    status, body = get_json("/analytics/breakdown", by="gender", feature="page_view", **range_)
    assert status == 200
    assert body["items"] == [{"value": "Female", "count": 4, "uniqueUsers": None}]
    # Without a feature the people rollups count them, whatever the budget.
    status, body = get_json("/analytics/summary", **range_)
    assert (body["totalEvents"], body["uniqueUsers"]) == (6, 1)
