"""/analytics agrees with a brute-force count in Python for random filter combinations."""

import random
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.analytics.conftest import FixtureEvent, utc

FEATURES = ["date_filter", "age_filter", "gender_filter", "bar_chart_click", "refresh"]
ZONES = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Pacific/Auckland"]
FIRST_DAY = date(2026, 2, 20)


@pytest.fixture
def random_events(fixtures):
    """300 events over ~40 days (across both DST changes in March) by 12 people."""
    rng = random.Random(7)
    people = [fixtures.person(age, gender) for age, gender in (
        (15, "Male"), (17, "Female"), (18, "Other"), (25, "Male"), (40, "Female"),
        (41, "Other"), (60, "Male"), (33, "Female"), (12, "Other"), (70, "Female"),
        (29, "Other"), (55, "Male"))]
    start = utc(FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day)
    events = [FixtureEvent(rng.choice(FEATURES),
                           start + timedelta(seconds=rng.randrange(40 * 86400)),
                           rng.choice(people)) for _ in range(300)]
    fixtures.add(*events)
    return events


def expected(events, start_day, end_day, tz, age_group, gender, feature):
    """The brute-force answer: filter every event in Python and count."""
    zone = ZoneInfo(tz)
    start = datetime.combine(start_day, datetime.min.time(), zone)
    end = datetime.combine(end_day + timedelta(days=1), datetime.min.time(), zone)
    matching = [event for event in events
                if start <= event.at < end
                and age_group in ("All", event.age_group)
                and gender in ("All", event.gender)]
    bars = Counter(event.name for event in matching)
    days = Counter(event.at.astimezone(zone).date() for event in matching
                   if feature is None or event.name == feature)
    line = []
    day = start_day
    while day <= end_day:
        line.append({"date": day.isoformat(), "count": days.get(day, 0)})
        day += timedelta(days=1)
    return bars, line


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offset=st.integers(0, 38), length=st.integers(0, 12), tz=st.sampled_from(ZONES),
       age_group=st.sampled_from(["All", "<18", "18-40", ">40"]),
       gender=st.sampled_from(["All", "Male", "Female", "Other"]),
       feature=st.none() | st.sampled_from(FEATURES))
def test_analytics_matches_brute_force(get_json, random_events, offset, length, tz,
                                       age_group, gender, feature):
    start_day = FIRST_DAY + timedelta(days=offset)
    end_day = start_day + timedelta(days=length)
    params = {"startDate": start_day.isoformat(), "endDate": end_day.isoformat(), "tz": tz,
              "ageGroup": age_group, "gender": gender}
    if feature:
        params["feature"] = feature
    status, body = get_json("/analytics", **params)
    assert status == 200
    bars, line = expected(random_events, start_day, end_day, tz, age_group, gender, feature)
    assert {bar["feature"]: bar["count"] for bar in body["barChartData"]} == dict(bars)
    counts = [bar["count"] for bar in body["barChartData"]]
    assert counts == sorted(counts, reverse=True)
    assert body["lineChartData"] == line
