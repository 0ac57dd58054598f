"""/analytics agrees with a brute-force count in Python for random filter combinations."""

import random
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.analytics.periods import label
from tests.analytics.conftest import FixtureEvent, utc

FEATURES = ["date_filter", "age_filter", "gender_filter", "bar_chart_click", "refresh"]
# Zones whose offset is not a whole hour: +5:30, +5:45, -3:30 then -2:30 from 8 March,
# +13:45 (Chatham's summer time), +10:30 (Adelaide's). Their lines come from quarter hours.
QUARTER_ZONES = ["Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns", "Pacific/Chatham",
                 "Australia/Adelaide"]
ZONES = ["UTC", "America/New_York", "Europe/Berlin", "Pacific/Auckland", *QUARTER_ZONES]
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
@given(offset=st.integers(0, 38), length=st.integers(0, 12) | st.integers(30, 50),
       tz=st.sampled_from(ZONES),
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


def brute_force_people(events, start, end, age_group, gender, feature):
    matching = [event for event in events
                if start <= event.at < end and age_group in ("All", event.age_group)
                and gender in ("All", event.gender)
                and (feature is None or event.name == feature)]
    by_age, by_gender = Counter(), Counter()
    people_by_age, people_by_gender = {}, {}
    for event in matching:
        by_age[event.age_group] += 1
        by_gender[event.gender] += 1
        people_by_age.setdefault(event.age_group, set()).add(event.person.id)
        people_by_gender.setdefault(event.gender, set()).add(event.person.id)
    return (len(matching), len({event.person.id for event in matching}), by_age, by_gender,
            {k: len(v) for k, v in people_by_age.items()},
            {k: len(v) for k, v in people_by_gender.items()})


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start_minute=st.integers(0, 40 * 24 * 60),
       length_minutes=st.integers(1, 20 * 24 * 60) | st.integers(30 * 24 * 60, 50 * 24 * 60),
       age_group=st.sampled_from(["All", "<18", "18-40", ">40"]),
       gender=st.sampled_from(["All", "Male", "Female", "Other"]),
       feature=st.none() | st.sampled_from(FEATURES))
def test_rollup_answers_equal_raw_counts_for_any_instant_range(
        get_json, random_events, start_minute, length_minutes, age_group, gender, feature):
    """Ranges that start and end mid-hour mix raw slivers, hourly and daily rollups."""
    start = utc(FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day) + timedelta(minutes=start_minute)
    end = start + timedelta(minutes=length_minutes)
    params = {"startDate": start.isoformat(), "endDate": end.isoformat(),
              "ageGroup": age_group, "gender": gender}
    if feature:
        params["feature"] = feature
    # The API's end is inclusive to the microsecond; the oracle's is exclusive.
    total, people, by_age, by_gender, people_by_age, people_by_gender = brute_force_people(
        random_events, start, end + timedelta(microseconds=1), age_group, gender, feature)
    status, summary = get_json("/analytics/summary", **params)
    assert status == 200
    assert (summary["totalEvents"], summary["uniqueUsers"]) == (total, people)
    _, ages = get_json("/analytics/breakdown", by="age_group", **params)
    assert {item["value"]: (item["count"], item["uniqueUsers"]) for item in ages["items"]} == \
        {value: (count, people_by_age[value]) for value, count in by_age.items()}
    _, genders = get_json("/analytics/breakdown", by="gender", **params)
    assert {item["value"]: (item["count"], item["uniqueUsers"]) for item in genders["items"]} == \
        {value: (count, people_by_gender[value]) for value, count in by_gender.items()}


@pytest.mark.parametrize(("start", "end"), [
    (utc(2026, 2, 20, 7, 13), utc(2026, 4, 1, 2, 59)),    # whole March plus ragged edges
    (utc(2026, 2, 28), utc(2026, 4, 1)),                  # exactly days, whole March
    (utc(2026, 3, 1), utc(2026, 3, 31, 23, 59, 59)),      # almost all of March
])
def test_unique_people_over_whole_months_match_raw(get_json, random_events, start, end):
    for age_group, gender in (("All", "All"), ("<18", "All"), ("All", "Female")):
        params = {"startDate": start.isoformat(), "endDate": end.isoformat(),
                  "ageGroup": age_group, "gender": gender}
        total, people, *_ = brute_force_people(random_events, start,
                                               end + timedelta(microseconds=1),
                                               age_group, gender, None)
        _, summary = get_json("/analytics/summary", **params)
        assert (summary["totalEvents"], summary["uniqueUsers"]) == (total, people)


def local_bucket(moment, zone, granularity):
    day = moment.astimezone(zone).date()
    if granularity == "week":
        day -= timedelta(days=day.weekday())
    elif granularity == "month":
        day = day.replace(day=1)
    return day.isoformat()


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offset=st.integers(0, 38), length=st.integers(0, 50), tz=st.sampled_from(ZONES),
       granularity=st.sampled_from(["day", "week", "month"]),
       age_group=st.sampled_from(["All", "<18", "18-40", ">40"]),
       feature=st.none() | st.sampled_from(FEATURES))
def test_day_week_and_month_series_match_brute_force(get_json, random_events, offset, length,
                                                     tz, granularity, age_group, feature):
    """Whole UTC days of these series come from daily rollups with hour corrections."""
    start_day = FIRST_DAY + timedelta(days=offset)
    end_day = start_day + timedelta(days=length)
    params = {"startDate": start_day.isoformat(), "endDate": end_day.isoformat(), "tz": tz,
              "ageGroup": age_group, "granularity": granularity}
    if feature:
        params["feature"] = feature
    status, body = get_json("/analytics/timeseries", **params)
    assert status == 200
    zone = ZoneInfo(tz)
    start = datetime.combine(start_day, datetime.min.time(), zone)
    end = datetime.combine(end_day + timedelta(days=1), datetime.min.time(), zone)
    counts = Counter(local_bucket(event.at, zone, granularity) for event in random_events
                     if start <= event.at < end and age_group in ("All", event.age_group)
                     and (feature is None or event.name == feature))
    assert {point["t"]: point["count"] for point in body["series"] if point["count"]} == \
        dict(counts)
    assert sum(point["count"] for point in body["series"]) == sum(counts.values())


@pytest.fixture
def edge_events(fixtures, random_events):
    """The random events plus events on both sides of the quarter hours where these zones'
    local days and hours start, around St John's change to summer time (8 March).
    """
    person = random_events[0].person
    edges = [utc(2026, 3, day, hour, minute) + delta
             for day in (7, 8, 9) for hour, minute in (
                 (18, 30), (18, 15), (10, 15), (3, 30), (2, 30), (13, 30), (5, 15), (5, 45))
             for delta in (timedelta(microseconds=-1), timedelta(0))]
    added = [FixtureEvent(FEATURES[index % 2], moment, person)
             for index, moment in enumerate(edges)]
    fixtures.add(*added)
    return random_events + added


def brute_force_series(events, start, end, zone, granularity, age_group, feature) -> Counter:
    """Events per local bucket label (hour labels carry their offset, as the API's do)."""
    counts: Counter = Counter()
    for event in events:
        if not (start <= event.at < end and age_group in ("All", event.age_group)
                and (feature is None or event.name == feature)):
            continue
        if granularity == "hour":
            local = event.at.astimezone(zone).replace(minute=0, second=0, microsecond=0)
            counts[label(local)] += 1
        else:
            counts[local_bucket(event.at, zone, granularity)] += 1
    return counts


@pytest.mark.parametrize("tz", QUARTER_ZONES)
@pytest.mark.parametrize("granularity", ["day", "week", "month"])
def test_quarter_zone_lines_over_every_day_match_brute_force(get_json, edge_events, tz,
                                                             granularity):
    """Forty local days, the daily rollups with moved hours and quarter hours."""
    zone = ZoneInfo(tz)
    first_day, last_day = FIRST_DAY, FIRST_DAY + timedelta(days=39)
    start = datetime.combine(first_day, datetime.min.time(), zone)
    end = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), zone)
    for age_group, feature in (("All", None), ("18-40", FEATURES[0])):
        params = {"startDate": first_day.isoformat(), "endDate": last_day.isoformat(),
                  "tz": tz, "ageGroup": age_group, "granularity": granularity}
        if feature:
            params["feature"] = feature
        status, body = get_json("/analytics/timeseries", **params)
        assert status == 200
        expected_counts = brute_force_series(edge_events, start, end, zone, granularity,
                                             age_group, feature)
        assert sum(expected_counts.values()) > 20
        assert {point["t"]: point["count"] for point in body["series"]
                if point["count"]} == dict(expected_counts)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start_minute=st.integers(0, 38 * 24 * 60), length_minutes=st.integers(1, 4 * 24 * 60),
       tz=st.sampled_from(QUARTER_ZONES + ["UTC", "America/New_York"]),
       granularity=st.sampled_from(["hour", "day"]),
       age_group=st.sampled_from(["All", "<18", "18-40", ">40"]),
       feature=st.none() | st.sampled_from(FEATURES))
def test_series_over_any_instant_range_match_brute_force(
        get_json, edge_events, start_minute, length_minutes, tz, granularity, age_group,
        feature):
    """Ranges that start and end mid-quarter mix raw slivers, quarter hours, hours and
    days; around 8 March they cross St John's change to summer time.
    """
    zone = ZoneInfo(tz)
    start = utc(FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day) + timedelta(
        minutes=start_minute, seconds=start_minute % 7 * 7)
    end = start + timedelta(minutes=length_minutes, seconds=length_minutes % 5 * 11)
    params = {"startDate": start.isoformat(), "endDate": end.isoformat(), "tz": tz,
              "ageGroup": age_group, "granularity": granularity}
    if feature:
        params["feature"] = feature
    status, body = get_json("/analytics/timeseries", **params)
    assert status == 200
    # The API's end is inclusive to the microsecond; the oracle's is exclusive.
    expected_counts = brute_force_series(edge_events, start, end + timedelta(microseconds=1),
                                         zone, granularity, age_group, feature)
    assert {point["t"]: point["count"] for point in body["series"] if point["count"]} == \
        dict(expected_counts)


@pytest.mark.parametrize("granularity", ["hour", "day"])
def test_lord_howe_half_hour_summer_time_change_matches_brute_force(get_json, fixtures,
                                                                    granularity):
    """Lord Howe Island goes from +11:00 to +10:30 on 5 April 2026: its local hours start on
    the UTC hour, then half past, within one range.
    """
    person = fixtures.person(30, "Female")
    rng = random.Random(11)
    start = utc(2026, 4, 3)
    moments = [start + timedelta(seconds=rng.randrange(4 * 86400)) for _ in range(150)]
    moments += [start + timedelta(minutes=15 * quarter) + delta for quarter in range(0, 384, 7)
                for delta in (timedelta(microseconds=-1), timedelta(0))]
    added = [FixtureEvent(FEATURES[index % 3], moment, person)
             for index, moment in enumerate(moments)]
    fixtures.add(*added)
    zone = ZoneInfo("Australia/Lord_Howe")
    status, body = get_json("/analytics/timeseries", startDate="2026-04-04",
                            endDate="2026-04-06", tz=zone.key, granularity=granularity)
    assert status == 200
    local_start = datetime.combine(date(2026, 4, 4), datetime.min.time(), zone)
    local_end = datetime.combine(date(2026, 4, 7), datetime.min.time(), zone)
    expected_counts = brute_force_series(added, local_start, local_end, zone, granularity,
                                         "All", None)
    assert {point["t"]: point["count"] for point in body["series"] if point["count"]} == \
        dict(expected_counts)
    if granularity == "hour":
        assert {point["t"][-6:] for point in body["series"]} == {"+11:00", "+10:30"}
