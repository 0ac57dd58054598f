"""Every analytics query, written once in SQLAlchemy Core for SQLite and Postgres.

Counting happens in SQL; Python only ever sees aggregated rows (at most one per UTC bucket,
feature or value) or a bounded page of events. Filter values are bound parameters; the
columns a query may group by come from an allowlist.

Counts come from the rollup tables wherever they can: a time range is split into whole UTC
months (rollup_monthly), whole UTC days around them (rollup_daily), whole hours at its edges
(rollup_hourly) and, only for ranges that do not start or end on the hour, slivers of raw
events. The pieces are disjoint, so their sums are exact.
"""

import functools
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import (
    Integer,
    String,
    and_,
    any_,
    bindparam,
    case,
    cast,
    distinct,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, TIMESTAMP
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from app.analytics.periods import Filters
from app.extensions import db
from app.models import (
    NO_VALUE,
    DailyPerson,
    DailyRollup,
    DailyTotal,
    Event,
    HourlyRollup,
    HourlyTotal,
    MonthlyPerson,
    MonthlyRollup,
    User,
)

events = Event.__table__
users = User.__table__
daily = DailyRollup.__table__
monthly = MonthlyRollup.__table__
daily_totals = DailyTotal.__table__
hourly = HourlyRollup.__table__
hourly_totals = HourlyTotal.__table__
daily_people = DailyPerson.__table__
monthly_people = MonthlyPerson.__table__

# Stand-ins for open range ends: every stored event lies between them.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
ONE_HOUR = timedelta(hours=1)


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
    return moment.replace(minute=0, second=0, microsecond=0)


def ceil_hour(moment: datetime) -> datetime:
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


def dimension_filters(table, filters: Filters, *, with_feature: bool) -> list[ColumnElement]:
    """Age group, gender and feature conditions on a rollup table."""
    clauses: list[ColumnElement] = []
    if filters.age_group:
        clauses.append(table.c.age_group == filters.age_group)
    if filters.gender:
        clauses.append(table.c.gender == filters.gender)
    if with_feature and filters.feature and "name" in table.c:
        clauses.append(table.c.name == filters.feature)
    return clauses


def in_ranges(column, ranges: list[tuple]) -> ColumnElement:
    """column within any of the half-open ranges."""
    return or_(*(and_(column >= low, column < high) for low, high in ranges))


def raw_in(pieces: list[tuple[datetime, datetime]], filters: Filters, *,
           with_feature: bool = True) -> ColumnElement:
    """Raw events inside the given pieces, with the non-time filters."""
    clauses = conditions(filters.with_range(None, None), with_feature=with_feature)
    return and_(in_ranges(events.c.occurred_at, pieces), *clauses)


def counted_parts(filters: Filters, column_names: tuple[str, ...], *, with_feature: bool):
    """SELECTs of (columns..., count) over each piece of the range, for a UNION ALL."""
    pieces = split_range(filters.start, filters.end)
    parts = []
    if pieces.days:
        # Whole calendar months from the monthly rollup, the days around them from the daily.
        months, day_ranges = whole_months(*pieces.days)
        for table, period, ranges in ((monthly, "month", [months] if months else []),
                                      (daily, "day", day_ranges)):
            if ranges:
                parts.append(select(*(table.c[name] for name in column_names),
                                    table.c.events.label("n"))
                             .where(in_ranges(table.c[period], ranges),
                                    *dimension_filters(table, filters,
                                                       with_feature=with_feature)))
    if pieces.hours:
        parts.append(select(*(hourly.c[name] for name in column_names),
                            hourly.c.events.label("n"))
                     .where(in_ranges(hourly.c.hour, pieces.hours),
                            *dimension_filters(hourly, filters, with_feature=with_feature)))
    if pieces.raw:
        raw_columns = [func.coalesce(events.c[name], NO_VALUE).label(name)
                       if name in ("age_group", "gender") else events.c[name]
                       for name in column_names]
        parts.append(select(*raw_columns, literal(1).label("n"))
                     .where(raw_in(pieces.raw, filters, with_feature=with_feature)))
    return parts


def counts_by(filters: Filters, column_names: tuple[str, ...], *, with_feature: bool
              ) -> Counter:
    """Exact event counts per value of rollup dimensions over the filters' range."""
    parts = counted_parts(filters, column_names, with_feature=with_feature)
    if not parts:
        return Counter()
    combined = union_all(*parts).subquery()
    keys = [combined.c[name] for name in column_names]
    query = select(*keys, func.sum(combined.c.n)).group_by(*keys)
    totals: Counter = Counter()
    for *values, count in db.session.execute(query):
        totals[tuple(values) if len(values) > 1 else values[0]] += int(count)
    return totals


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


def person_of_event() -> ColumnElement:
    """The rollup's person key for a raw event."""
    return case((events.c.user_id.is_not(None),
                 literal("u:") + cast(events.c.user_id, String(20))),
                else_=literal("a:") + events.c.anonymous_id)


def people_parts(filters: Filters, value_column: str | None):
    """SELECTs of ([value,] person) whose UNION holds each active person once."""
    pieces = split_range(filters.start, filters.end)
    use_rollup = pieces.days is not None and not filters.feature
    parts = []
    if use_rollup:
        first, last = pieces.days
        months, day_ranges = whole_months(first, last)
        for table, period, ranges in ((monthly_people, "month", [months] if months else []),
                                      (daily_people, "day", day_ranges)):
            if not ranges:
                continue
            columns = [table.c.person]
            if value_column:
                columns.insert(0, table.c[value_column].label("value"))
            parts.append(select(*columns).where(
                in_ranges(table.c[period], ranges),
                *dimension_filters(table, filters, with_feature=False)))
    raw_pieces = pieces.edges if use_rollup else [(filters.start or EARLIEST,
                                                    filters.end or LATEST)]
    if raw_pieces:
        columns = [person_of_event().label("person")]
        if value_column:
            columns.insert(0, func.coalesce(events.c[value_column], NO_VALUE).label("value"))
        parts.append(select(*columns).where(
            raw_in(raw_pieces, filters),
            or_(events.c.user_id.is_not(None), events.c.anonymous_id.is_not(None))))
    return parts


def unique_people_count(filters: Filters) -> int:
    """Exactly how many distinct users and anonymous visitors match."""
    parts = people_parts(filters, None)
    if not parts:
        return 0
    everyone = union_all(*parts).subquery()
    return db.session.execute(select(func.count(distinct(everyone.c.person)))).scalar_one()


def unique_people_by(filters: Filters, value_column: str) -> dict:
    """Distinct people per age group or gender."""
    parts = people_parts(filters, value_column)
    if not parts:
        return {}
    everyone = union_all(*parts).subquery()
    query = select(everyone.c.value, func.count(distinct(everyone.c.person))) \
        .group_by(everyone.c.value)
    return {value: count for value, count in db.session.execute(query)}


def from_rollup_value(value: str | None) -> str | None:
    return None if value == NO_VALUE else value

# Columns a breakdown may group by. Property breakdowns use a bound JSON path instead.
BREAKDOWN_COLUMNS = {
    "feature": events.c.name,
    "age_group": events.c.age_group,
    "gender": events.c.gender,
    "page_url": events.c.page_url,
}
BUCKET_SIZES = frozenset({900, 3600})


class epoch_bucket(FunctionElement):  # noqa: N801 - reads like the SQL function it renders
    """Start of the fixed-width UTC bucket holding a timestamp, in epoch seconds."""

    type = Integer()
    inherit_cache = True


@compiles(epoch_bucket, "sqlite")
def _epoch_bucket_sqlite(element, compiler, **kw):
    column, size = list(element.clauses)
    return (f"(CAST(strftime('%s', {compiler.process(column, **kw)}) AS INTEGER) / "
            f"{compiler.process(size, **kw)}) * {compiler.process(size, **kw)}")


@compiles(epoch_bucket, "postgresql")
def _epoch_bucket_postgres(element, compiler, **kw):
    column, size = list(element.clauses)
    return (f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(column, **kw)}) / "
            f"{compiler.process(size, **kw)}) * {compiler.process(size, **kw)} AS BIGINT)")


def bucket_of(bucket_seconds: int) -> ColumnElement:
    """The bucket expression; the width is inlined (an allowlisted integer) so GROUP BY
    and SELECT render the very same expression."""
    if bucket_seconds not in BUCKET_SIZES:
        raise ValueError(f"unsupported bucket width {bucket_seconds}")
    return epoch_bucket(events.c.occurred_at, literal_column(str(bucket_seconds)))


def unique_people() -> ColumnElement:
    """Distinct users plus distinct anonymous visitors (two disjoint sets, so the sum is exact)."""
    anonymous = case((events.c.user_id.is_(None), events.c.anonymous_id))
    return func.count(distinct(events.c.user_id)) + func.count(distinct(anonymous))


def conditions(filters: Filters, *, with_feature: bool = True) -> list[ColumnElement]:
    """WHERE clauses for a filter set."""
    clauses: list[ColumnElement] = []
    if filters.start is not None:
        clauses.append(events.c.occurred_at >= filters.start)
    if filters.end is not None:
        clauses.append(events.c.occurred_at < filters.end)
    if filters.age_group:
        clauses.append(events.c.age_group == filters.age_group)
    if filters.gender:
        clauses.append(events.c.gender == filters.gender)
    if with_feature and filters.feature:
        clauses.append(events.c.name == filters.feature)
    return clauses


def where(filters: Filters, *, with_feature: bool = True) -> ColumnElement:
    """All conditions joined (true when there are none)."""
    return and_(true(), *conditions(filters, with_feature=with_feature))


def data_range(filters: Filters) -> tuple[datetime | None, datetime | None]:
    """First and last event time matching the filters (for 'all time' views).

    The hourly rollup finds the first and last hours cheaply; the raw events inside those
    two hours give the exact instants.
    """
    bounds = select(func.min(hourly.c.hour), func.max(hourly.c.hour)).where(
        *dimension_filters(hourly, filters, with_feature=True))
    first_hour, last_hour = db.session.execute(bounds).one()
    if first_hour is None:
        return None, None
    first = db.session.execute(select(func.min(events.c.occurred_at)).where(
        raw_in([(first_hour, first_hour + ONE_HOUR)], filters))).scalar()
    last = db.session.execute(select(func.max(events.c.occurred_at)).where(
        raw_in([(last_hour, last_hour + ONE_HOUR)], filters))).scalar()
    return first, last


def feature_counts(filters: Filters, *, with_feature: bool = False) -> list[tuple[str, int]]:
    """Events per feature, most used first (the bar chart ignores the selected feature)."""
    counts = counts_by(filters, ("name",), with_feature=with_feature)
    return sorted(((name, count) for name, count in counts.items() if count),
                  key=lambda item: (-item[1], item[0]))


def counts_per_bucket(filters: Filters, bucket_seconds: int, *, days_only: bool = False
                      ) -> list[tuple[int, int]]:
    """Events per fixed UTC bucket (keyed by its start in epoch seconds), for folding into
    local hours, days, weeks or months.

    Whole hours come from the hourly rollups (all features together, or the selected one);
    quarter-hour buckets, for zones like India's, come from raw events. With `days_only`
    (the caller folds into local days, weeks or months, never hours), whole UTC days come
    from the daily rollups instead; see day_counts_as_buckets.
    """
    if bucket_seconds != 3600:
        return raw_counts_per_bucket(filters, bucket_seconds, filters.start or EARLIEST,
                                     filters.end or LATEST)
    start, end = filters.start or EARLIEST, filters.end or LATEST
    first_hour, last_hour = ceil_hour(start), floor_hour(end)
    if first_hour >= last_hour:
        return raw_counts_per_bucket(filters, bucket_seconds, start, end)
    pieces = split_range(start, end)
    counts: Counter = Counter()
    hour_ranges = [(first_hour, last_hour)]
    if days_only and pieces.days:
        counts.update(day_counts_as_buckets(filters, *pieces.days))
        hour_ranges = pieces.hours
    hour_column = hourly_rollup(filters).c.hour
    for low, high in hour_ranges:
        # One query per range: OR-ed ranges with a feature made SQLite walk the feature's
        # whole year in its (name, hour) index.
        counts.update(hourly_counts(filters, and_(hour_column >= low, hour_column < high)))
    for low, high in pieces.raw:
        counts.update(dict(raw_counts_per_bucket(filters, bucket_seconds, low, high)))
    return sorted(counts.items())


def hourly_rollup(filters: Filters):
    """The hourly table for a line: one feature's rows, or every feature's totals."""
    return hourly if filters.feature else hourly_totals


def hourly_counts(filters: Filters, hour_condition: ColumnElement) -> Counter:
    """{hour start in epoch seconds: events} for the hours matching the condition."""
    table = hourly_rollup(filters)
    # Group by the stored hour (cheap) and let the database turn each of the few thousand
    # hours into epoch seconds: converting them row by row in Python cost more than the query.
    hour_epoch = epoch_bucket(table.c.hour, literal_column("3600"))
    query = (select(hour_epoch, func.sum(table.c.events))
             .where(hour_condition, *dimension_filters(table, filters, with_feature=True))
             .group_by(table.c.hour))
    return Counter({int(epoch): int(count) for epoch, count in db.session.execute(query)})


def day_counts_as_buckets(filters: Filters, first: date, last: date) -> Counter:
    """UTC days [first, last) as buckets that fold into the right local days.

    A UTC day's total is keyed at its noon, which lies in the local day holding most of
    it. The hours of that UTC day falling on another local date (the first or last few,
    outside UTC) are summed per UTC day from the hourly rollup, keyed at the first of
    them, and taken off the noon bucket. A year's line then reads one row per day and
    group plus those few hours per day, instead of 24 hourly rows per day and group.
    """
    table = daily if filters.feature else daily_totals
    query = (select(table.c.day, func.sum(table.c.events))
             .where(table.c.day >= first, table.c.day < last,
                    *dimension_filters(table, filters, with_feature=True))
             .group_by(table.c.day))
    buckets: Counter = Counter()
    for day, count in db.session.execute(query):
        buckets[day_noon_epoch(day)] += int(count)
    moved = moved_hours(filters.tz, first, last)
    if not moved.first_moved_by_day:
        return buckets
    hourly_table = hourly_rollup(filters)
    day = utc_date_of(hourly_table.c.hour)
    query = (select(day, func.sum(hourly_table.c.events))
             .where(hour_in(hourly_table.c.hour, moved),
                    *dimension_filters(hourly_table, filters, with_feature=True))
             .group_by(day))
    for utc_day, count in db.session.execute(query):
        noon = day_noon_epoch(date.fromisoformat(utc_day) if isinstance(utc_day, str)
                              else utc_day)
        buckets[moved.first_moved_by_day[noon - 43200]] += int(count)
        buckets[noon] -= int(count)
    return buckets


class utc_date_of(FunctionElement):  # noqa: N801 - reads like the SQL function it renders
    """The UTC calendar date of a stored timestamp (text 'YYYY-MM-DD' on SQLite)."""

    inherit_cache = True


@compiles(utc_date_of, "sqlite")
def _utc_date_of_sqlite(element, compiler, **kw):
    # The stored text starts with the UTC date; cheaper than date() or strftime().
    return f"substr({compiler.process(list(element.clauses)[0], **kw)}, 1, 10)"


@compiles(utc_date_of, "postgresql")
def _utc_date_of_postgres(element, compiler, **kw):
    return f"CAST({compiler.process(list(element.clauses)[0], **kw)} AT TIME ZONE 'UTC' AS DATE)"


@dataclass(frozen=True)
class MovedHours:
    """The UTC hours of a day range that belong to another local date than their UTC day's
    noon, ready to bind as one parameter."""

    sqlite_list: str     # a JSON array of the text SQLite stores for each hour
    postgres_array: str  # a Postgres array literal of the same instants
    # UTC day start -> its first moved hour (epoch seconds). A UTC day's moved hours all
    # share one local date: with whole-hour offsets a local day lasts at least 23 hours, so
    # 24 UTC hours touch at most two local dates, the noon's and one other.
    first_moved_by_day: dict[int, int]


def hour_in(column, moved: MovedHours) -> ColumnElement:
    """column IN the moved hours, bound as a single value: a few thousand parameters cost
    more to bind and convert than the index reads they drive."""
    if db.session.get_bind().dialect.name == "sqlite":
        listed = func.json_each(bindparam("moved_hours", moved.sqlite_list, type_=String)
                                ).table_valued("value")
        # Compared as stored (no CAST), so the lookups use the index.
        return column.in_(select(listed.c.value))
    return column == any_(cast(bindparam("moved_hours", moved.postgres_array, type_=String),
                               ARRAY(TIMESTAMP(timezone=True))))


EPOCH_DAY = date(1970, 1, 1)


def day_noon_epoch(day: date) -> int:
    return (day - EPOCH_DAY).days * 86400 + 43200


@functools.lru_cache(maxsize=64)
def moved_hours(tz, first: date, last: date) -> MovedHours:
    """The hours off their UTC day for a zone and day range; dashboards ask for the same
    few ranges over and over, so the answer is remembered."""
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
    day's noon (only called for zones whose offsets are whole hours over the range)."""
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


def raw_counts_per_bucket(filters: Filters, bucket_seconds: int, start: datetime,
                          end: datetime) -> list[tuple[int, int]]:
    """Counts per UTC bucket straight from the events table, within [start, end)."""
    bucket = bucket_of(bucket_seconds).label("bucket")
    query = (select(bucket, func.count().label("count"))
             .where(raw_in([(start, end)], filters))
             .group_by(bucket))
    return [(int(row.bucket), row.count) for row in db.session.execute(query)]


def feature_counts_per_bucket(filters: Filters, bucket_seconds: int
                              ) -> list[tuple[int, str, int]]:
    """Events per UTC bucket and feature (the daily CSV export)."""
    bucket = bucket_of(bucket_seconds).label("bucket")
    query = (select(bucket, events.c.name, func.count().label("count"))
             .where(where(filters))
             .group_by(bucket, events.c.name))
    return [(int(row.bucket), row.name, row.count) for row in db.session.execute(query)]


def event_count(filters: Filters) -> int:
    """How many events match."""
    return sum(counts_by(filters, ("age_group",), with_feature=True).values())


def totals(filters: Filters) -> dict:
    """Event count, unique people and distinct features."""
    per_feature = counts_by(filters, ("name",), with_feature=True)
    return {"events": sum(per_feature.values()),
            "people": unique_people_count(filters),
            "features": sum(1 for count in per_feature.values() if count)}


def breakdown(filters: Filters, by: str, limit: int) -> list[tuple[str | None, int, int]]:
    """(value, events, unique people) for the top `limit` values of a column or property."""
    if by in ("age_group", "gender"):
        return rollup_breakdown(filters, by, limit)
    return raw_breakdown(filters, by, limit)


def rollup_breakdown(filters: Filters, by: str, limit: int) -> list[tuple[str | None, int, int]]:
    """Age group or gender from the rollups: counts and exact unique people."""
    counts = counts_by(filters, (by,), with_feature=True)
    people = unique_people_by(filters, by)
    rows = [(from_rollup_value(value), count, people.get(value, 0))
            for value, count in counts.items() if count]
    rows.sort(key=lambda row: (-row[1], row[0] is None, row[0] or ""))
    return rows[:limit]


def raw_breakdown(filters: Filters, by: str, limit: int) -> list[tuple[str | None, int, int]]:
    """Any allowlisted column or a property, counted from raw events."""
    if by.startswith("property:"):
        value = events.c.properties[by.removeprefix("property:")].as_string()
    else:
        value = BREAKDOWN_COLUMNS[by]
    value = value.label("value")
    count = func.count().label("count")
    query = (select(value, count, unique_people().label("people"))
             .where(where(filters))
             .group_by(value)
             .order_by(count.desc(), value.asc().nulls_last())
             .limit(limit))
    return [(row.value, row.count, row.people) for row in db.session.execute(query)]


def top_pages(filters: Filters, limit: int) -> list[tuple[str, int, int]]:
    """Page views and unique viewers per page URL."""
    views = func.count().label("views")
    query = (select(events.c.page_url, views, unique_people().label("people"))
             .where(where(filters), events.c.name == "page_view",
                    events.c.page_url.is_not(None))
             .group_by(events.c.page_url)
             .order_by(views.desc(), events.c.page_url)
             .limit(limit))
    return [(row.page_url, row.views, row.people) for row in db.session.execute(query)]


def recent_events(filters: Filters, limit: int, before: tuple[datetime, int] | None
                  ) -> list:
    """The newest events, keyset-paginated by (occurred_at, id) so pages never overlap."""
    query = (select(events.c.id, events.c.uuid, events.c.name, events.c.page_url,
                    events.c.occurred_at, events.c.user_id, events.c.anonymous_id,
                    events.c.age_group, events.c.gender, events.c.properties,
                    users.c.username)
             .select_from(events.outerjoin(users, users.c.id == events.c.user_id))
             .where(where(filters))
             .order_by(events.c.occurred_at.desc(), events.c.id.desc())
             .limit(limit))
    if before is not None:
        before_time, before_id = before
        query = query.where(or_(events.c.occurred_at < before_time,
                                and_(events.c.occurred_at == before_time,
                                     events.c.id < before_id)))
    return list(db.session.execute(query))


EXPORT_COLUMNS = ("id", "uuid", "occurred_at", "name", "user_id", "anonymous_id", "session_id",
                  "page_url", "referrer", "age_group", "gender", "properties")


def export_events(filters: Filters, batch_size: int = 2000) -> Iterator:
    """Matching events oldest first, streamed from the database in batches (constant memory)."""
    query = (select(*(events.c[name] for name in EXPORT_COLUMNS))
             .where(where(filters))
             .order_by(events.c.occurred_at, events.c.id)
             .execution_options(yield_per=batch_size))
    with db.engine.connect() as connection:
        yield from connection.execute(query)
