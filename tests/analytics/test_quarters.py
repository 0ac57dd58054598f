"""Quarter-hour range arithmetic for zones whose offset is not a whole hour."""

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.analytics.quarters import (
    ONE_QUARTER,
    ceil_quarter,
    floor_quarter,
    hour_shift,
    moved_pieces,
    split_quarter_range,
)
from app.analytics.ranges import day_noon_epoch

ZONES = ["Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns", "Pacific/Chatham",
         "Australia/Eucla", "Australia/Lord_Howe", "Asia/Tehran", "America/New_York", "UTC"]


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_floor_and_ceil_quarter():
    assert floor_quarter(utc(2026, 3, 1, 14, 29, 59, 999999)) == utc(2026, 3, 1, 14, 15)
    assert floor_quarter(utc(2026, 3, 1, 14, 30)) == utc(2026, 3, 1, 14, 30)
    assert ceil_quarter(utc(2026, 3, 1, 14, 30)) == utc(2026, 3, 1, 14, 30)
    assert ceil_quarter(utc(2026, 3, 1, 23, 45, 0, 1)) == utc(2026, 3, 2)


@pytest.mark.parametrize(("start", "end", "with_days", "raw", "quarters", "days"), [
    # A local day in India: quarters up to and from the whole UTC day.
    (utc(2026, 3, 1, 18, 30), utc(2026, 3, 3, 18, 30), True, [],
     [(utc(2026, 3, 1, 18, 30), utc(2026, 3, 2)), (utc(2026, 3, 3), utc(2026, 3, 3, 18, 30))],
     (date(2026, 3, 2), date(2026, 3, 3))),
    # Hours: quarter hours all the way, raw slivers at ragged edges.
    (utc(2026, 3, 1, 18, 31), utc(2026, 3, 3, 18, 30, 5), False,
     [(utc(2026, 3, 1, 18, 31), utc(2026, 3, 1, 18, 45)),
      (utc(2026, 3, 3, 18, 30), utc(2026, 3, 3, 18, 30, 5))],
     [(utc(2026, 3, 1, 18, 45), utc(2026, 3, 3, 18, 30))], None),
    # Shorter than a quarter hour: raw only.
    (utc(2026, 3, 1, 18, 31), utc(2026, 3, 1, 18, 44), True,
     [(utc(2026, 3, 1, 18, 31), utc(2026, 3, 1, 18, 44))], [], None),
    # No whole UTC day inside: quarters only.
    (utc(2026, 3, 1, 18, 30), utc(2026, 3, 2, 18, 30), True, [],
     [(utc(2026, 3, 1, 18, 30), utc(2026, 3, 2, 18, 30))], None),
])
def test_split_quarter_range(start, end, with_days, raw, quarters, days):
    pieces = split_quarter_range(start, end, with_days=with_days)
    assert (pieces.raw, pieces.quarters, pieces.days) == (raw, quarters, days)


def listed(moments_json: str) -> list[datetime]:
    return [datetime.fromisoformat(text).replace(tzinfo=UTC) for text in json.loads(moments_json)]


@pytest.mark.parametrize("zone", ZONES)
def test_moved_pieces_are_exactly_the_quarters_off_their_noons_local_date(zone):
    """Over a year with its DST changes: every quarter hour whose local date differs from
    its UTC day's noon's is in exactly one moved piece, nothing else is, and each piece
    is summed at a piece of the same UTC day, half day and local date.
    """
    tz = ZoneInfo(zone)
    first, last = date(2026, 1, 1), date(2027, 1, 1)
    moved = moved_pieces(tz, first, last)
    hours, quarters = listed(moved.hours.sqlite_list), listed(moved.quarters.sqlite_list)
    assert (moved.hours.count, moved.quarters.count) == (len(hours), len(quarters))
    covered = [hour + index * ONE_QUARTER for hour in hours for index in range(4)] + quarters
    assert len(covered) == len(set(covered))
    expected = []
    day = first
    while day < last:
        midnight = utc(day.year, day.month, day.day)
        noon_date = (midnight + timedelta(hours=12)).astimezone(tz).date()
        expected += [moment for moment in (midnight + index * ONE_QUARTER for index in range(96))
                     if moment.astimezone(tz).date() != noon_date]
        day += timedelta(days=1)
    assert sorted(covered) == expected
    for piece in hours + quarters:
        day_start = day_noon_epoch(piece.date()) - 43200
        bucket = datetime.fromtimestamp(
            moved.bucket_of_half_day[(day_start, piece.hour < 12)], UTC)
        assert bucket.date() == piece.date()
        assert bucket.astimezone(tz).date() == piece.astimezone(tz).date()
    if zone in ("Asia/Kolkata", "Asia/Kathmandu", "Pacific/Chatham"):
        assert quarters, "a local midnight inside a UTC hour must move quarter hours"


def test_moved_pieces_bind_values():
    moved = moved_pieces(ZoneInfo("Asia/Kolkata"), date(2026, 3, 1), date(2026, 3, 2))
    # +5:30: local midnight is 18:30 UTC, so 18:30 and 18:45 move, then whole hours 19-23.
    assert json.loads(moved.quarters.sqlite_list) == ["2026-03-01 18:30:00.000000",
                                                      "2026-03-01 18:45:00.000000"]
    assert json.loads(moved.hours.sqlite_list) == [f"2026-03-01 {hour}:00:00.000000"
                                                   for hour in range(19, 24)]
    assert moved.quarters.postgres_array == ('{"2026-03-01T18:30:00+00:00",'
                                             '"2026-03-01T18:45:00+00:00"}')


@pytest.mark.parametrize(("zone", "start", "end", "shift"), [
    ("Asia/Kolkata", utc(2026, 1, 1), utc(2026, 2, 1), 1800),
    ("Asia/Kathmandu", utc(2026, 1, 1), utc(2026, 2, 1), 2700),
    # -3:30, then -2:30 from 8 March: the local hours still start at half past.
    ("America/St_Johns", utc(2026, 3, 1), utc(2026, 3, 20), 1800),
    ("Pacific/Chatham", utc(2026, 3, 20), utc(2026, 4, 20), 2700),
    # +11:00, then +10:30 from 5 April: no single shift.
    ("Australia/Lord_Howe", utc(2026, 3, 20), utc(2026, 4, 20), None),
    ("Australia/Lord_Howe", utc(2026, 5, 1), utc(2026, 6, 1), 1800),
])
def test_hour_shift(zone, start, end, shift):
    assert hour_shift(ZoneInfo(zone), start, end) == shift
