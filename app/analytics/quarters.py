"""Quarter-hour range arithmetic for zones whose UTC offset is not a whole hour: pure
functions, no database.

Such zones (India's +5:30, Nepal's +5:45, Newfoundland's -3:30...) fold 15-minute UTC
buckets, since every offset in use is a multiple of 15 minutes. A range is cut into raw
slivers shorter than a quarter hour at its edges, whole quarter hours (rollup_quarter_hourly)
and, for lines of days, weeks or months, whole UTC days (rollup_daily) in the middle. A UTC
day's total is keyed at its noon like for other zones; the parts of the day that fall on
another local date are read as whole hours where all four quarters moved (rollup_hourly)
and as quarter hours where the local midnight cuts an hour.
"""

import functools
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from app.analytics.ranges import EARLIEST, LATEST, day_noon_epoch, split_range

ONE_QUARTER = timedelta(minutes=15)
QUARTERS_PER_DAY = 96


def floor_quarter(moment: datetime) -> datetime:
    """Return the start of the quarter hour holding `moment`."""
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


def ceil_quarter(moment: datetime) -> datetime:
    """Return `moment` if it starts a quarter hour, else the start of the next one."""
    floored = floor_quarter(moment)
    return floored if floored == moment else floored + ONE_QUARTER


@dataclass(frozen=True)
class QuarterPieces:
    """A time range cut into disjoint pieces for a zone counted in quarter hours."""

    raw: list[tuple[datetime, datetime]]       # slivers shorter than a quarter hour
    quarters: list[tuple[datetime, datetime]]  # whole quarter hours
    days: tuple[date, date] | None             # [first, last) whole UTC days, if asked for


def split_quarter_range(start: datetime | None, end: datetime | None, *, with_days: bool
                        ) -> QuarterPieces:
    """Cut [start, end) into raw slivers, whole quarter hours and (with `with_days`, for
    lines of days or longer) whole UTC days.
    """
    start, end = (start or EARLIEST).astimezone(UTC), (end or LATEST).astimezone(UTC)
    first, last = ceil_quarter(start), floor_quarter(end)
    if first >= last:
        return QuarterPieces(raw=[(start, end)] if start < end else [], quarters=[], days=None)
    raw = [piece for piece in ((start, first), (last, end)) if piece[0] < piece[1]]
    days = split_range(first, last).days if with_days else None
    if days is None:
        return QuarterPieces(raw=raw, quarters=[(first, last)], days=None)
    first_midnight = datetime.combine(days[0], time.min, UTC)
    last_midnight = datetime.combine(days[1], time.min, UTC)
    quarters = [piece for piece in ((first, first_midnight), (last_midnight, last))
                if piece[0] < piece[1]]
    return QuarterPieces(raw=raw, quarters=quarters, days=days)


def hour_shift(tz, start: datetime, end: datetime) -> int | None:
    """How many seconds past each UTC hour the zone's local hours start over [start, end)
    (1800 for India and Newfoundland, 2700 for Nepal), or None where that changes (Lord
    Howe's summer time moves clocks by half an hour). Probed twice a day: no zone changes
    its offset and back within 12 hours.
    """
    shifts = set()
    probe = start
    while probe < end:
        shifts.add(int(probe.astimezone(tz).utcoffset().total_seconds()) % 3600)
        probe += timedelta(hours=12)
    shifts.add(int((end - timedelta(microseconds=1)).astimezone(tz).utcoffset()
                   .total_seconds()) % 3600)
    return shifts.pop() if len(shifts) == 1 else None


@dataclass(frozen=True)
class ListedMoments:
    """UTC instants ready to bind as one parameter (see app.analytics.data.clauses.hour_in)."""

    sqlite_list: str     # a JSON array of the text SQLite stores for each instant
    postgres_array: str  # a Postgres array literal of the same instants
    count: int

    @classmethod
    def of(cls, moments: list[datetime]) -> "ListedMoments":
        """The bindable forms of aware UTC instants on whole minutes."""
        stored = [f"{moment:%Y-%m-%d %H:%M}:00.000000" for moment in moments]
        return cls(sqlite_list=json.dumps(stored), count=len(moments),
                   postgres_array="{" + ",".join(f'"{moment.isoformat()}"'
                                                 for moment in moments) + "}")


@dataclass(frozen=True)
class MovedPieces:
    """The parts of UTC days [first, last) whose local date differs from that of their UTC
    day's noon: whole hours, and quarter hours of the hours that a local midnight cuts.
    """

    hours: ListedMoments
    quarters: ListedMoments
    # (UTC day start, whether before noon) in epoch seconds -> the first moved piece of
    # that half day, where its moved counts are summed (they share one local date: local
    # days last far longer than 12 hours). The database sums per half day, so a year's
    # line reads and folds a few hundred buckets rather than thousands of pieces.
    bucket_of_half_day: dict[tuple[int, bool], int]


@functools.cache
def moved_quarters_for_offset(offset_minutes: int) -> tuple[int, ...]:
    """The quarters of a UTC day (0-95) whose local date differs from the noon's, when the
    offset holds all day.
    """
    noon_day = (720 + offset_minutes) // 1440
    return tuple(quarter for quarter in range(QUARTERS_PER_DAY)
                 if (quarter * 15 + offset_minutes) // 1440 != noon_day)


def moved_quarters_of_day(tz, midnight: datetime) -> tuple[int, ...]:
    """The quarters of one UTC day whose local date differs from the noon's."""
    offset = midnight.astimezone(tz).utcoffset()
    last_quarter = midnight + (QUARTERS_PER_DAY - 1) * ONE_QUARTER
    if offset == last_quarter.astimezone(tz).utcoffset():
        # One offset all day: a quarter's local date follows from arithmetic.
        return moved_quarters_for_offset(int(offset.total_seconds()) // 60)
    # The offset changes today: ask the zone for every quarter.
    noon_date = (midnight + timedelta(hours=12)).astimezone(tz).date()
    return tuple(quarter for quarter in range(QUARTERS_PER_DAY)
                 if (midnight + quarter * ONE_QUARTER).astimezone(tz).date() != noon_date)


@functools.lru_cache(maxsize=64)
def moved_pieces(tz, first: date, last: date) -> MovedPieces:
    """The moved hours and quarter hours for a zone and day range; dashboards ask for the
    same few ranges over and over, so the answer is remembered.
    """
    hours: list[datetime] = []
    quarters: list[datetime] = []
    bucket_of_half_day: dict[tuple[int, bool], int] = {}
    day = first
    while day < last:
        midnight = datetime.combine(day, time.min, UTC)
        day_start = day_noon_epoch(day) - 43200
        by_hour: dict[int, list[int]] = {}
        for quarter in moved_quarters_of_day(tz, midnight):
            by_hour.setdefault(quarter // 4, []).append(quarter)
        for hour, hour_quarters in by_hour.items():
            if len(hour_quarters) == 4:  # all on the other local date: one hourly row
                hours.append(midnight + timedelta(hours=hour))
            else:  # a local midnight cuts this hour
                quarters.extend(midnight + quarter * ONE_QUARTER for quarter in hour_quarters)
            bucket_of_half_day.setdefault((day_start, hour < 12),
                                          day_start + hour_quarters[0] * 900)
        day += timedelta(days=1)
    return MovedPieces(hours=ListedMoments.of(hours), quarters=ListedMoments.of(quarters),
                       bucket_of_half_day=bucket_of_half_day)
