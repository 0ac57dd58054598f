"""Time ranges and buckets in the viewer's time zone.

SQL counts events per UTC bucket (an hour, or 15 minutes for zones whose offset is not a
whole hour); this module folds those few pre-counted rows into local hours, days, weeks or
months, and zero-fills the gaps. DST is handled by working from real UTC instants.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

GRANULARITIES = ("hour", "day", "week", "month")


@dataclass(frozen=True)
class Filters:
    """A validated filter set. `start`/`end` are UTC instants, end exclusive; None = all time."""

    start: datetime | None
    end: datetime | None
    tz: ZoneInfo
    # The one project every query of this filter set reads; set from the request's
    # `project` once the caller's access to it is checked (None matches no event).
    project_id: int | None = None
    age_group: str | None = None
    gender: str | None = None
    feature: str | None = None
    # Website filters as sorted (name, value) pairs, each an exact match; value None asks
    # for a missing value (the API's "(none)"). See app.analytics.web_filters.
    web: tuple[tuple[str, str | None], ...] = ()
    # Person filters as sorted (trait, value) pairs: the event's person has that trait
    # value (None: no person, or none of that trait). See app.analytics.person_filters.
    person: tuple[tuple[str, str | None], ...] = ()
    # Set once an open range is closed at the data (app.analytics.service.resolved_range):
    # a span of whole UTC months around [start, end) that holds no other matching event,
    # so counts with these very filters may read it from the monthly rollups alone. Not in
    # the cache key: it follows from the rest and the data.
    count_span: tuple[datetime, datetime] | None = None

    @property
    def tz_name(self) -> str:
        """The IANA name of the viewer's time zone."""
        return self.tz.key

    def with_range(self, start: datetime, end: datetime) -> "Filters":
        """The same filters over another time range (which has no count span of its own)."""
        return replace(self, start=start, end=end, count_span=None)

    @property
    def raw_filtered(self) -> bool:
        """Whether a filter no rollup holds is set (website or person): every count is
        then read from raw events.
        """
        return bool(self.web or self.person)

    def without_raw_filters(self) -> "Filters":
        """The same filters without the website and person ones (what the event rollups
        can answer).
        """
        return replace(self, web=(), person=())

    @property
    def rollup_readable(self) -> bool:
        """Whether the web rollups answer this filter set: they hold every visit and page
        view of a project, split by no age group, gender, feature, website or person filter.
        """
        return not (self.raw_filtered or self.age_group or self.gender or self.feature)

    def previous(self) -> "Filters":
        """The period of equal length just before this one."""
        length = self.end - self.start
        return self.with_range(self.start - length, self.start)

    def cache_key(self) -> str:
        """A stable description of the filter set, for cache keys."""
        parts = (str(self.project_id), self.start.isoformat() if self.start else "-",
                 self.end.isoformat() if self.end else "-", self.tz.key,
                 self.age_group or "*", self.gender or "*", self.feature or "*")
        # repr quotes each value, so no value can pass for another filter or a separator.
        return ("|".join(parts) + (f"|{self.web!r}" if self.web else "")
                + (f"|person{self.person!r}" if self.person else ""))


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant at which `day` starts in `tz`."""
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def bucket_seconds_for(tz: ZoneInfo, start: datetime, end: datetime) -> int:
    """UTC bucket width in SQL: hours, unless the zone's offset is not a whole hour."""
    probe = start
    while probe <= end:
        offset = probe.astimezone(tz).utcoffset() or timedelta(0)
        if offset.total_seconds() % 3600:
            return 900
        probe += timedelta(days=30)
    offset = end.astimezone(tz).utcoffset() or timedelta(0)
    return 900 if offset.total_seconds() % 3600 else 3600


def local_bucket_start(moment: datetime, tz: ZoneInfo, granularity: str) -> datetime | date:
    """The local bucket a UTC instant falls in: an aware local hour, or a local date."""
    local = moment.astimezone(tz)
    if granularity == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    day = local.date()
    if granularity == "day":
        return day
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def bucket_starts(start: datetime, end: datetime, tz: ZoneInfo, granularity: str
                  ) -> list[datetime | date]:
    """Every local bucket overlapping [start, end), in order (the zero-fill skeleton)."""
    if end <= start:
        return []
    if granularity == "hour":
        # Step in quarter hours so zones with :30 and :45 offsets get every local hour.
        hours: list[datetime | date] = []
        previous = None
        cursor = start
        while cursor < end:
            local = cursor.astimezone(tz)
            # The offset is part of the key: the repeated hour when DST ends differs only in
            # its offset. (A tuple, not the label: formatting every quarter hour cost more.)
            key = (local.year, local.month, local.day, local.hour, local.utcoffset())
            if key != previous:
                hours.append(local.replace(minute=0, second=0, microsecond=0))
                previous = key
            cursor += timedelta(minutes=15)
        return hours
    first = local_bucket_start(start, tz, granularity)
    last = local_bucket_start(end - timedelta(microseconds=1), tz, granularity)
    buckets = []
    cursor = first
    while cursor <= last:
        buckets.append(cursor)
        if granularity == "day":
            cursor += timedelta(days=1)
        elif granularity == "week":
            cursor += timedelta(days=7)
        else:
            cursor = (cursor.replace(day=28) + timedelta(days=4)).replace(day=1)
    return buckets


def fold_counts(utc_counts: Iterable[tuple[int, int]], tz: ZoneInfo, granularity: str
                ) -> Counter:
    """Sum per-UTC-bucket counts (bucket start in epoch seconds) into local buckets, keyed
    by bucket label.
    """
    if granularity == "hour":
        return fold_into_hours(utc_counts, tz)
    by_local: Counter = Counter()
    for epoch_seconds, count in utc_counts:
        # Keyed by the local date first (cheap), then by week or month.
        by_local[datetime.fromtimestamp(epoch_seconds, tz).date()] += count
    totals: Counter = Counter()
    for day, count in by_local.items():
        if granularity == "week":
            day = day - timedelta(days=day.weekday())
        elif granularity == "month":
            day = day.replace(day=1)
        totals[day.isoformat()] += count
    return totals


def fold_into_hours(utc_counts: Iterable[tuple[int, int]], tz: ZoneInfo) -> Counter:
    """Sum per-UTC-bucket counts into local hours, keyed by label (the repeated hour when
    DST ends differs only in its offset, which the label holds).
    """
    by_hour: Counter = Counter()
    labels: dict[tuple[int, timedelta], str] = {}
    for epoch_seconds, count in utc_counts:
        local = datetime.fromtimestamp(epoch_seconds, tz)
        offset = local.utcoffset()
        # The instant the local hour starts, with the offset: each label is formatted once
        # per local hour rather than once per quarter hour.
        key = (epoch_seconds - (epoch_seconds + int(offset.total_seconds())) % 3600, offset)
        hour_label = labels.get(key)
        if hour_label is None:
            hour_label = labels[key] = label(local.replace(minute=0, second=0))
        by_hour[hour_label] += count
    return by_hour


def label(bucket: datetime | date) -> str:
    """How a bucket is written in the API: YYYY-MM-DD, or an ISO hour with its offset."""
    return bucket.isoformat()


def zero_filled(start: datetime, end: datetime, tz: ZoneInfo, granularity: str,
                utc_counts: Iterable[tuple[int, int]]) -> list[tuple[str, int]]:
    """(label, count) for every bucket of the range, zeros included."""
    totals = fold_counts(utc_counts, tz, granularity)
    labels = [label(bucket) for bucket in bucket_starts(start, end, tz, granularity)]
    return [(bucket_label, totals.get(bucket_label, 0)) for bucket_label in labels]


def days_in_range(start: datetime, end: datetime, tz: ZoneInfo) -> int:
    """How many local calendar days [start, end) touches (at least 1)."""
    return max(1, len(bucket_starts(start, end, tz, "day")))
