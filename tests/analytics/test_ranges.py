"""app.analytics.ranges: pure range arithmetic, checked without a database or an app.

Expected values are worked out by hand from the calendar and the zones' published rules
(noted next to each case), or by brute force over every hour or every few minutes.
"""

import calendar
import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.analytics.periods import bucket_starts
from app.analytics.ranges import (
    EARLIEST,
    LATEST,
    MAX_RANGE,
    MAX_SERIES_POINTS,
    TooManyPointsError,
    ceil_hour,
    check_series_points,
    day_noon_epoch,
    floor_hour,
    hours_off_their_utc_day,
    month_ceil,
    month_floor,
    moved_hours,
    series_points,
    span_to_whole_months,
    split_range,
    whole_months,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = timedelta(hours=1)


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def epoch(*parts) -> int:
    """Epoch seconds of a UTC wall time, by the calendar module rather than datetime."""
    return calendar.timegm((*parts, *(0,) * (6 - len(parts))))


def utc_hours(day: date, hours) -> list[datetime]:
    return [utc(day.year, day.month, day.day, hour) for hour in hours]


# ------------------------------------------------------------------- hours and splitting


def test_floor_and_ceil_hour():
    assert floor_hour(utc(2026, 5, 1, 10, 59, 59, 999999)) == utc(2026, 5, 1, 10)
    assert ceil_hour(utc(2026, 5, 1, 10, 0, 0, 1)) == utc(2026, 5, 1, 11)
    assert ceil_hour(utc(2026, 5, 1, 23, 30)) == utc(2026, 5, 2, 0)
    on_the_hour = utc(2026, 5, 1, 10)
    assert floor_hour(on_the_hour) == ceil_hour(on_the_hour) == on_the_hour


def test_split_into_raw_slivers_whole_hours_and_whole_days():
    # 30 Jan 10:20 to 2 Mar 05:45 UTC: slivers up to 11:00 and after 05:00, whole hours to
    # the end of 30 Jan and from the start of 2 Mar, whole days 31 Jan up to 2 Mar.
    pieces = split_range(utc(2026, 1, 30, 10, 20), utc(2026, 3, 2, 5, 45))
    assert pieces.raw == [(utc(2026, 1, 30, 10, 20), utc(2026, 1, 30, 11)),
                          (utc(2026, 3, 2, 5), utc(2026, 3, 2, 5, 45))]
    assert pieces.hours == [(utc(2026, 1, 30, 11), utc(2026, 1, 31)),
                            (utc(2026, 3, 2), utc(2026, 3, 2, 5))]
    assert pieces.days == (date(2026, 1, 31), date(2026, 3, 2))
    assert pieces.edges == pieces.raw + pieces.hours
    # The whole days are February (a whole month) and one day on either side of it.
    assert whole_months(*pieces.days) == (
        (date(2026, 2, 1), date(2026, 3, 1)),
        [(date(2026, 1, 31), date(2026, 2, 1)), (date(2026, 3, 1), date(2026, 3, 2))])


@pytest.mark.parametrize(("start", "end"), [
    (utc(2026, 1, 30, 10, 20), utc(2026, 3, 2, 5, 45)),
    (utc(2026, 6, 1, 0, 7), utc(2026, 6, 1, 23, 53)),
    (utc(2026, 6, 1, 0, 0), utc(2026, 6, 3, 0, 0)),
    (utc(2026, 6, 1, 22, 10), utc(2026, 6, 2, 1, 0)),
    (utc(2026, 6, 1, 9, 1), utc(2026, 6, 1, 9, 59)),
])
def test_pieces_cover_the_range_exactly_once(start, end):
    pieces = split_range(start, end)
    days = [] if pieces.days is None else [(utc(*pieces.days[0].timetuple()[:3]),
                                            utc(*pieces.days[1].timetuple()[:3]))]
    everything = pieces.raw + pieces.hours + days
    # Hours and days start and end on their boundaries.
    for low, high in pieces.hours:
        assert low == floor_hour(low) and high == floor_hour(high) and low < high
    for low, high in days:
        assert low.time() == high.time() == time(0)
    # Every minute of the range lies in exactly one piece, and nothing outside it does.
    assert sum((high - low for low, high in everything), timedelta()) == end - start
    moment = start - timedelta(minutes=30)
    while moment < end + timedelta(minutes=30):
        holders = sum(1 for low, high in everything if low <= moment < high)
        assert holders == (1 if start <= moment < end else 0), moment
        moment += timedelta(minutes=1)


def test_a_range_inside_one_hour_is_a_single_sliver():
    pieces = split_range(utc(2026, 6, 1, 9, 1), utc(2026, 6, 1, 9, 59))
    assert pieces.raw == [(utc(2026, 6, 1, 9, 1), utc(2026, 6, 1, 9, 59))]
    assert pieces.hours == [] and pieces.days is None


def test_a_range_inside_one_day_has_no_whole_days():
    pieces = split_range(utc(2026, 6, 1, 10, 15), utc(2026, 6, 1, 15, 30))
    assert pieces.raw == [(utc(2026, 6, 1, 10, 15), utc(2026, 6, 1, 11)),
                          (utc(2026, 6, 1, 15), utc(2026, 6, 1, 15, 30))]
    assert pieces.hours == [(utc(2026, 6, 1, 11), utc(2026, 6, 1, 15))]
    assert pieces.days is None


def test_a_range_of_whole_days_needs_neither_slivers_nor_hours():
    pieces = split_range(utc(2026, 5, 1), utc(2026, 5, 3))
    assert (pieces.raw, pieces.hours, pieces.days) == ([], [], (date(2026, 5, 1),
                                                                date(2026, 5, 3)))


@pytest.mark.parametrize(("start", "end"), [
    (utc(2026, 6, 1, 9, 30), utc(2026, 6, 1, 9, 30)),   # empty
    (utc(2026, 6, 1, 12), utc(2026, 6, 1, 9, 30)),      # backwards
])
def test_empty_and_backwards_ranges_have_no_pieces(start, end):
    pieces = split_range(start, end)
    assert (pieces.raw, pieces.hours, pieces.days) == ([], [], None)


def test_open_ends_stand_for_all_time():
    everything = split_range(None, None)
    assert (everything.raw, everything.hours) == ([], [])
    assert everything.days == (EARLIEST.date(), LATEST.date())
    assert whole_months(*everything.days) == ((EARLIEST.date(), LATEST.date()), [])
    until = split_range(None, utc(2026, 6, 15, 12, 30))
    assert until.days == (EARLIEST.date(), date(2026, 6, 15))
    assert until.hours == [(utc(2026, 6, 15), utc(2026, 6, 15, 12))]
    assert until.raw == [(utc(2026, 6, 15, 12), utc(2026, 6, 15, 12, 30))]
    since = split_range(utc(2026, 6, 15, 12, 30), None)
    assert since.days == (date(2026, 6, 16), LATEST.date())
    assert since.raw == [(utc(2026, 6, 15, 12, 30), utc(2026, 6, 15, 13))]


def test_local_bounds_are_split_at_utc_boundaries():
    # Berlin is UTC+1 in winter: its 1 March starts at 28 Feb 23:00 UTC and its 3 March
    # at 2 March 23:00 UTC.
    pieces = split_range(datetime(2026, 3, 1, tzinfo=BERLIN), datetime(2026, 3, 3, tzinfo=BERLIN))
    assert pieces.raw == []
    assert pieces.hours == [(utc(2026, 2, 28, 23), utc(2026, 3, 1)),
                            (utc(2026, 3, 2), utc(2026, 3, 2, 23))]
    assert pieces.days == (date(2026, 3, 1), date(2026, 3, 2))


def test_split_across_the_berlin_spring_transition():
    # Berlin's local day 29 March 2026 has 23 hours: CET (+1) until 01:00 UTC, then CEST
    # (+2). It runs from 28 March 23:00 UTC to 29 March 22:00 UTC.
    start = datetime(2026, 3, 29, tzinfo=BERLIN)
    end = datetime(2026, 3, 30, tzinfo=BERLIN)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23)
    pieces = split_range(start, end)
    assert pieces.raw == [] and pieces.days is None
    assert pieces.hours == [(utc(2026, 3, 28, 23), utc(2026, 3, 29, 22))]


def test_split_across_the_new_york_autumn_transition():
    # New York's 1 November 2026 has 25 hours: EDT (-4) until 06:00 UTC, then EST (-5). It
    # runs from 1 November 04:00 UTC to 2 November 05:00 UTC.
    start = datetime(2026, 11, 1, tzinfo=NEW_YORK)
    end = datetime(2026, 11, 2, tzinfo=NEW_YORK)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=25)
    pieces = split_range(start, end)
    assert pieces.raw == [] and pieces.days is None
    assert pieces.hours == [(utc(2026, 11, 1, 4), utc(2026, 11, 2, 5))]


# -------------------------------------------------------------------------- whole months


@pytest.mark.parametrize(("first", "last", "months", "leftovers"), [
    # Mid-December to 1 February: January whole, the rest of December left over.
    (date(2025, 12, 15), date(2026, 2, 1), (date(2026, 1, 1), date(2026, 2, 1)),
     [(date(2025, 12, 15), date(2026, 1, 1))]),
    # Starting on the 1st: no leading leftover; February 2028 has 29 days.
    (date(2028, 2, 1), date(2028, 3, 10), (date(2028, 2, 1), date(2028, 3, 1)),
     [(date(2028, 3, 1), date(2028, 3, 10))]),
    # Several months, leftovers on both sides.
    (date(2026, 1, 31), date(2026, 5, 2), (date(2026, 2, 1), date(2026, 5, 1)),
     [(date(2026, 1, 31), date(2026, 2, 1)), (date(2026, 5, 1), date(2026, 5, 2))]),
    # Inside one month, or across a month boundary without a whole month: days only.
    (date(2026, 2, 3), date(2026, 2, 20), None, [(date(2026, 2, 3), date(2026, 2, 20))]),
    (date(2026, 2, 20), date(2026, 3, 5), None, [(date(2026, 2, 20), date(2026, 3, 5))]),
])
def test_whole_months_and_leftover_days(first, last, months, leftovers):
    assert whole_months(first, last) == (months, leftovers)
    # The pieces tile [first, last): their day counts add up.
    pieces = ([months] if months else []) + leftovers
    assert sum((high - low).days for low, high in pieces) == (last - first).days


# ---------------------------------------------------------------------------- moved hours


def moved_by_definition(tz, first: date, last: date) -> list[datetime]:
    """Every UTC hour whose local date (at its start) is not that of its UTC day's noon."""
    moved = []
    for offset in range((last - first).days):
        day = first + timedelta(days=offset)
        noon_date = utc(day.year, day.month, day.day, 12).astimezone(tz).date()
        moved.extend(hour for hour in utc_hours(day, range(24))
                     if hour.astimezone(tz).date() != noon_date)
    return moved


def test_day_noon_epoch():
    assert day_noon_epoch(date(1970, 1, 1)) == 43200
    assert day_noon_epoch(date(2026, 3, 29)) == epoch(2026, 3, 29, 12)
    assert day_noon_epoch(date(1969, 12, 31)) == -43200


@pytest.mark.parametrize(("day", "hours"), [
    (date(2026, 1, 15), [23]),         # CET, +1: 23:00 UTC is local midnight
    (date(2026, 3, 28), [23]),         # the day before the change, still +1
    (date(2026, 3, 29), [22, 23]),     # CEST from 01:00 UTC: 22:00 UTC is midnight
    (date(2026, 7, 1), [22, 23]),      # CEST, +2
    (date(2026, 10, 24), [22, 23]),    # the day before the change, still +2
    (date(2026, 10, 25), [23]),        # CET from 01:00 UTC: 23:00 UTC is midnight
])
def test_moved_hours_in_berlin_around_dst(day, hours):
    assert hours_off_their_utc_day(BERLIN, day, day + timedelta(days=1)) == utc_hours(day, hours)


@pytest.mark.parametrize(("day", "hours"), [
    (date(2026, 1, 15), range(0, 5)),  # EST, -5: 00:00-04:00 UTC are the evening before
    (date(2026, 3, 8), range(0, 5)),   # EDT only from 07:00 UTC, after these hours
    (date(2026, 3, 9), range(0, 4)),   # EDT, -4
    (date(2026, 11, 1), range(0, 4)),  # still EDT until 06:00 UTC
    (date(2026, 11, 2), range(0, 5)),  # EST again
])
def test_moved_hours_in_new_york_around_dst(day, hours):
    assert hours_off_their_utc_day(NEW_YORK, day, day + timedelta(days=1)) == \
        utc_hours(day, hours)


@pytest.mark.parametrize(("zone", "hours"), [
    # +5:30: 19:00 UTC starts at 00:30 the next local day, 18:00 UTC at 23:30.
    ("Asia/Kolkata", range(19, 24)),
    # +5:45: 19:00 UTC starts at 00:45 the next day.
    ("Asia/Kathmandu", range(19, 24)),
    # -3:30 in January: 03:00 UTC starts at 23:30 the day before, 04:00 UTC at 00:30.
    ("America/St_Johns", range(0, 4)),
    # +13 in January: noon UTC is 01:00 the next local day, so the hours before 11:00 UTC
    # (local 13:00-23:00 of the UTC date) are the moved ones.
    ("Pacific/Auckland", range(0, 11)),
    ("UTC", []),
])
def test_moved_hours_in_half_hour_and_far_zones(zone, hours):
    day = date(2026, 1, 15)
    assert hours_off_their_utc_day(ZoneInfo(zone), day, day + timedelta(days=1)) == \
        utc_hours(day, hours)


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Pacific/Auckland",
                                  "Australia/Lord_Howe", "Asia/Kolkata", "UTC"])
def test_moved_hours_match_the_definition_all_year(zone):
    tz = ZoneInfo(zone)
    first, last = date(2026, 1, 1), date(2027, 1, 1)
    assert hours_off_their_utc_day(tz, first, last) == moved_by_definition(tz, first, last)


def test_moved_hours_bind_values_and_first_moved_hour_per_day():
    # 28-30 March 2026 in Berlin: +1, then the change on the 29th, then +2.
    first, last = date(2026, 3, 28), date(2026, 3, 31)
    moved = moved_hours(BERLIN, first, last)
    expected = [(28, 23), (29, 22), (29, 23), (30, 22), (30, 23)]
    assert json.loads(moved.sqlite_list) == [f"2026-03-{day} {hour}:00:00.000000"
                                             for day, hour in expected]
    assert moved.postgres_array == "{" + ",".join(
        f'"2026-03-{day}T{hour}:00:00+00:00"' for day, hour in expected) + "}"
    assert moved.first_moved_by_day == {epoch(2026, 3, 28): epoch(2026, 3, 28, 23),
                                        epoch(2026, 3, 29): epoch(2026, 3, 29, 22),
                                        epoch(2026, 3, 30): epoch(2026, 3, 30, 22)}


def test_no_moved_hours_in_utc():
    moved = moved_hours(ZoneInfo("UTC"), date(2026, 1, 1), date(2026, 2, 1))
    assert (json.loads(moved.sqlite_list), moved.postgres_array,
            moved.first_moved_by_day) == ([], "{}", {})


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Pacific/Auckland"])
def test_a_days_moved_hours_share_the_first_ones_local_date(zone):
    """Why one bucket per UTC day suffices: all its moved hours fall on one local date."""
    tz = ZoneInfo(zone)
    first, last = date(2026, 1, 1), date(2027, 1, 1)
    moved = moved_hours(tz, first, last)
    for hour in hours_off_their_utc_day(tz, first, last):
        day_start = epoch(hour.year, hour.month, hour.day)
        first_moved = datetime.fromtimestamp(moved.first_moved_by_day[day_start], tz)
        assert hour.astimezone(tz).date() == first_moved.date()


SERIES_CASES = [  # (start, end, zone) for every granularity
    (datetime(2026, 3, 8, 5, tzinfo=UTC), datetime(2026, 3, 9, 4, tzinfo=UTC), NEW_YORK),
    (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC), BERLIN),
    (datetime(2025, 12, 31, 18, 30, tzinfo=UTC), datetime(2026, 2, 28, 18, 30, tzinfo=UTC),
     ZoneInfo("Asia/Kolkata")),
    (datetime(2023, 1, 1, tzinfo=UTC), datetime(2023, 1, 1, tzinfo=UTC) + MAX_RANGE, BERLIN),
]


@pytest.mark.parametrize(("start", "end", "zone"), SERIES_CASES)
@pytest.mark.parametrize("granularity", ["hour", "day", "week", "month"])
def test_series_points_bounds_the_real_series_from_above(start, end, zone, granularity):
    real = len(bucket_starts(start, end, zone, granularity))
    slack = 2 if granularity in ("hour", "day") else real // 10 + 2
    assert real <= series_points(start, end, granularity) <= real + slack


def test_hourly_fits_about_two_months_and_daily_fits_the_longest_range():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    check_series_points(start, start + timedelta(days=62), "hour")
    check_series_points(start, start + MAX_RANGE, "day")
    with pytest.raises(TooManyPointsError, match=r"for hour .*: use day, week or month\."):
        check_series_points(start, start + timedelta(days=63), "hour")
    assert series_points(start, start + timedelta(days=63), "hour") > MAX_SERIES_POINTS


def test_too_many_points_names_only_the_sizes_that_fit():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(TooManyPointsError, match=r"for day .*: use week or month\."):
        check_series_points(start, start + timedelta(days=MAX_SERIES_POINTS + 5), "day")
    with pytest.raises(TooManyPointsError, match=r"for week .*: use month\."):
        check_series_points(start, start + timedelta(weeks=MAX_SERIES_POINTS + 5), "week")


def test_month_floor_and_ceil_are_utc_month_starts():
    berlin = ZoneInfo("Europe/Berlin")
    # 00:30 on 1 March in Berlin is still February in UTC.
    assert month_floor(datetime(2026, 3, 1, 0, 30, tzinfo=berlin)) == utc(2026, 2, 1)
    assert month_ceil(datetime(2026, 3, 1, 0, 30, tzinfo=berlin)) == utc(2026, 3, 1)
    assert month_ceil(utc(2026, 3, 1)) == utc(2026, 3, 1)
    assert month_ceil(utc(2026, 12, 31, 23, 59)) == utc(2027, 1, 1)
    assert month_floor(utc(2026, 12, 31, 23, 59)) == utc(2026, 12, 1)


def test_span_widens_only_the_sides_that_reach_past_the_data():
    first, last = utc(2025, 6, 17, 5, 12), utc(2026, 4, 3, 22, 0)
    # 'All' in New York: local midnights around the first and last event.
    start, end = utc(2025, 6, 17, 4), utc(2026, 4, 4, 4)
    assert span_to_whole_months(start, end, first, last) == (utc(2025, 6, 1), utc(2026, 5, 1))
    # A start inside the data (a given date, or one pulled in to the longest range) stays.
    inside = utc(2025, 8, 2, 4)
    assert span_to_whole_months(inside, end, first, last) == (inside, utc(2026, 5, 1))
    # So does an end at or before the last event.
    assert span_to_whole_months(start, last, first, last) == (utc(2025, 6, 1), last)
    # Bounds already on month starts are kept as they are.
    assert span_to_whole_months(utc(2025, 6, 1), utc(2026, 5, 1), first, last) == (
        utc(2025, 6, 1), utc(2026, 5, 1))
