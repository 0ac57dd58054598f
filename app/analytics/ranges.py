"""UTC range arithmetic for the rollups: pure functions, no database.

A time range is split into whole UTC months (rollup_monthly), whole UTC days around them
(rollup_daily), whole hours at its edges (rollup_hourly) and, only for ranges that do not
start or end on the hour, slivers of raw events. The pieces are disjoint, so sums over them
are exact. Daily totals are folded into local days at their UTC noon; the hours of a UTC day
that fall on another local date (moved hours) are found here too.

The bounds of a query's cost live here as well: a range spans at most MAX_RANGE, and a
series has at most MAX_SERIES_POINTS buckets.
"""

import functools
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

# Stand-ins for open range ends: every stored event lies between them.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
ONE_HOUR = timedelta(hours=1)
EPOCH_DAY = date(1970, 1, 1)

# The longest range one request may cover, open ends included (three years, leap days too).
MAX_RANGE = timedelta(days=3 * 366)
MAX_RANGE_TEXT = "3 years"
# The most buckets one series may hold: hourly over about two months (1,488 hours in 62
# days) and daily over MAX_RANGE (1,099 days) both fit.
MAX_SERIES_POINTS = 1500
# Bucket sizes from fine to coarse, with a length no bucket of that size exceeds.
BUCKET_LENGTHS = {"hour": ONE_HOUR, "day": timedelta(days=1), "week": timedelta(days=7),
                  "month": timedelta(days=28)}


class TooManyPointsError(ValueError):
    """A series would hold more than MAX_SERIES_POINTS buckets; the message names the
    bucket sizes that fit.
    """


def series_points(start: datetime, end: datetime, granularity: str) -> int:
    """How many buckets of `granularity` a series over [start, end) holds at most (exact
    within two for hours and days; months count as 28 days); cheap, so it can run first.
    """
    if end <= start:
        return 0
    return -(-(end - start) // BUCKET_LENGTHS[granularity]) + 1


def check_series_points(start: datetime, end: datetime, granularity: str) -> None:
    """Raise TooManyPointsError when a series over [start, end) would be too long."""
    if series_points(start, end, granularity) <= MAX_SERIES_POINTS:
        return
    fitting = [name for name in BUCKET_LENGTHS
               if series_points(start, end, name) <= MAX_SERIES_POINTS]
    advice = f"use {', '.join(fitting[:-1])} or {fitting[-1]}" if len(fitting) > 1 \
        else f"use {fitting[0]}" if fitting else "shorten the range"
    raise TooManyPointsError(f"Too many points for {granularity} (a series holds at most "
                             f"{MAX_SERIES_POINTS}): {advice}.")


@dataclass(frozen=True)
class RangePieces:
    """A time range cut into disjoint pieces, each read from the cheapest source."""

    raw: list[tuple[datetime, datetime]]
    hours: list[tuple[datetime, datetime]]
    days: tuple[date, date] | None  # [first, last) whole UTC days

    @property
    def edges(self) -> list[tuple[datetime, datetime]]:
        """Everything outside the whole days."""
        return self.raw + self.hours


def floor_hour(moment: datetime) -> datetime:
    """Return the start of the hour holding `moment`."""
    return moment.replace(minute=0, second=0, microsecond=0)


def ceil_hour(moment: datetime) -> datetime:
    """Return `moment` if it starts an hour, else the start of the next hour."""
    floored = floor_hour(moment)
    return floored if floored == moment else floored + ONE_HOUR


def split_range(start: datetime | None, end: datetime | None) -> RangePieces:
    """Cut [start, end) into raw slivers, whole hours and whole UTC days."""
    start, end = (start or EARLIEST).astimezone(UTC), (end or LATEST).astimezone(UTC)
    first_hour, last_hour = ceil_hour(start), floor_hour(end)
    if first_hour >= last_hour:
        return RangePieces(raw=[(start, end)] if start < end else [], hours=[], days=None)
    raw = [piece for piece in ((start, first_hour), (last_hour, end)) if piece[0] < piece[1]]
    first_day = first_hour.replace(hour=0)
    if first_day < first_hour:
        first_day += timedelta(days=1)
    last_day = last_hour.replace(hour=0)
    if first_day >= last_day:
        return RangePieces(raw=raw, hours=[(first_hour, last_hour)], days=None)
    hours = [piece for piece in ((first_hour, first_day), (last_day, last_hour))
             if piece[0] < piece[1]]
    return RangePieces(raw=raw, hours=hours, days=(first_day.date(), last_day.date()))


def month_floor(moment: datetime) -> datetime:
    """The start of the UTC month holding `moment`."""
    moment = moment.astimezone(UTC)
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def month_ceil(moment: datetime) -> datetime:
    """`moment` if it starts a UTC month, else the start of the next one."""
    floored = month_floor(moment)
    if floored == moment:
        return floored
    return (floored.replace(day=28) + timedelta(days=4)).replace(day=1)


def span_to_whole_months(start: datetime, end: datetime, first: datetime, last: datetime
                         ) -> tuple[datetime, datetime]:
    """[start, end) widened to whole UTC months on each side that reaches past the data
    (first and last: the first and last matching event): no matching event lies between
    such a bound and the month's edge, so counts over the wider span are the same, and read
    from the monthly rollups instead of days, hours and raw slivers at the edges.
    """
    return (month_floor(start) if start <= first else start,
            month_ceil(end) if end > last else end)


def whole_months(first: date, last: date) -> tuple[tuple[date, date] | None,
                                                 list[tuple[date, date]]]:
    """Split days [first, last) into whole calendar months and the leftover day ranges."""
    month_start = first if first.day == 1 else (first.replace(day=28) + timedelta(days=4)
                                                ).replace(day=1)
    month_end = last.replace(day=1)
    if month_start >= month_end:
        return None, [(first, last)]
    leftovers = [piece for piece in ((first, month_start), (month_end, last))
                 if piece[0] < piece[1]]
    return (month_start, month_end), leftovers


@dataclass(frozen=True)
class MovedHours:
    """The UTC hours of a day range that belong to another local date than their UTC day's
    noon, ready to bind as one parameter.
    """

    sqlite_list: str     # a JSON array of the text SQLite stores for each hour
    postgres_array: str  # a Postgres array literal of the same instants
    # UTC day start -> its first moved hour (epoch seconds). A UTC day's moved hours all
    # share one local date: with whole-hour offsets a local day lasts at least 23 hours, so
    # 24 UTC hours touch at most two local dates, the noon's and one other.
    first_moved_by_day: dict[int, int]


def day_noon_epoch(day: date) -> int:
    """Return the epoch seconds of noon UTC on `day` (where a UTC day's total is keyed)."""
    return (day - EPOCH_DAY).days * 86400 + 43200


@functools.lru_cache(maxsize=64)
def moved_hours(tz, first: date, last: date) -> MovedHours:
    """The hours off their UTC day for a zone and day range; dashboards ask for the same
    few ranges over and over, so the answer is remembered.
    """
    hours = hours_off_their_utc_day(tz, first, last)
    first_moved_by_day: dict[int, int] = {}
    for hour in hours:
        epoch = int(hour.timestamp())
        first_moved_by_day.setdefault(epoch // 86400 * 86400, epoch)
    return MovedHours(
        sqlite_list=json.dumps([f"{hour.date().isoformat()} {hour.hour:02d}:00:00.000000"
                                for hour in hours]),
        postgres_array="{" + ",".join(f'"{hour.isoformat()}"' for hour in hours) + "}",
        first_moved_by_day=first_moved_by_day)


def hours_off_their_utc_day(tz, first: date, last: date) -> list[datetime]:
    """UTC hours in days [first, last) whose local date differs from that of their UTC
    day's noon (only called for zones whose offsets are whole hours over the range).
    """
    moved = []
    day = first
    while day < last:
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        first_offset = midnight.astimezone(tz).utcoffset()
        if first_offset == (midnight + timedelta(hours=23)).astimezone(tz).utcoffset():
            # One offset all day: an hour's local date follows from arithmetic.
            shift = int(first_offset.total_seconds()) // 3600
            noon_day = (12 + shift) // 24
            moved.extend(midnight + timedelta(hours=hour) for hour in range(24)
                         if (hour + shift) // 24 != noon_day)
        else:  # the offset changes today: ask the zone for every hour
            noon_date = (midnight + timedelta(hours=12)).astimezone(tz).date()
            moved.extend(moment for moment in (midnight + timedelta(hours=hour)
                                               for hour in range(24))
                         if moment.astimezone(tz).date() != noon_date)
        day += timedelta(days=1)
    return moved
