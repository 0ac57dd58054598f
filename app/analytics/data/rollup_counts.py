"""Counts, series and unique people from the rollup tables.

A range is cut as app.analytics.ranges.split_range says: whole UTC months from
rollup_monthly, whole UTC days around them from rollup_daily, whole hours at its edges from
rollup_hourly and, only for ranges that do not start or end on the hour, slivers of raw
events. The pieces are disjoint, so their sums are exact. Lines in zones whose offset is not
a whole hour are cut by app.analytics.quarters instead, with rollup_quarter_hourly. With a
website or person filter (no event rollup holds those) every count is read from raw events.
"""

from collections import Counter
from datetime import date

from sqlalchemy import and_, distinct, func, literal, literal_column, or_, select, union_all
from sqlalchemy.sql.expression import ColumnElement

from app.analytics.data.clauses import (
    dimension_filters,
    epoch_bucket,
    events,
    hour_in,
    in_ranges,
    local_hour_epoch,
    person_of_event,
    raw_in,
    utc_before_noon,
    utc_date_of,
)
from app.analytics.data.events import raw_breakdown, raw_counts_per_bucket
from app.analytics.periods import Filters
from app.analytics.quarters import hour_shift, moved_pieces, split_quarter_range
from app.analytics.ranges import (
    EARLIEST,
    LATEST,
    RangePieces,
    ceil_hour,
    day_noon_epoch,
    floor_hour,
    moved_hours,
    split_range,
    whole_months,
)
from app.extensions import db
from app.models import NO_VALUE
from app.rollups.tables import (
    daily,
    daily_people,
    daily_totals,
    hourly,
    hourly_totals,
    monthly,
    monthly_people,
    quarter_hourly,
    quarter_hourly_totals,
)


def pieces_of(filters: Filters, *, widened: bool = True) -> RangePieces:
    """The range as the rollups read it: its count span when it has one and `widened`
    (the filters are those the span was found with), all raw with a website filter, which
    no event rollup can apply.
    """
    start, end = filters.count_span if widened and filters.count_span \
        else (filters.start, filters.end)
    if filters.raw_filtered:
        return RangePieces(raw=[(start or EARLIEST, end or LATEST)], hours=[], days=None)
    return split_range(start, end)


def counted_parts(filters: Filters, column_names: tuple[str, ...], *, with_feature: bool):
    """SELECTs of (columns..., count) over each piece of the range, for a UNION ALL."""
    # The count span holds no other event of the selected feature, but may hold others.
    pieces = pieces_of(filters, widened=with_feature or not filters.feature)
    parts = []
    if pieces.days:
        # Whole calendar months from the monthly rollup, the days around them from the daily.
        months, day_ranges = whole_months(*pieces.days)
        for table, period, ranges in ((monthly, "month", [months] if months else []),
                                      (daily, "day", day_ranges)):
            for one in ranges:
                parts.append(select(*(table.c[name] for name in column_names),
                                    table.c.events.label("n"))
                             .where(in_ranges(table.c[period], [one]),
                                    *dimension_filters(table, filters,
                                                       with_feature=with_feature)))
    for one in pieces.hours or []:
        parts.append(select(*(hourly.c[name] for name in column_names),
                            hourly.c.events.label("n"))
                     .where(in_ranges(hourly.c.hour, [one]),
                            *dimension_filters(hourly, filters, with_feature=with_feature)))
    for one in pieces.raw or []:
        raw_columns = [func.coalesce(events.c[name], NO_VALUE).label(name)
                       if name in ("age_group", "gender") else events.c[name]
                       for name in column_names]
        parts.append(select(*raw_columns, literal(1).label("n"))
                     .where(raw_in([one], filters, with_feature=with_feature)))
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


def people_parts(filters: Filters, value_column: str | None):
    """SELECTs of ([value,] person) whose UNION holds each active person once."""
    pieces = pieces_of(filters)
    use_rollup = pieces.days is not None and not filters.feature
    parts = []
    if use_rollup:
        first, last = pieces.days
        months, day_ranges = whole_months(first, last)
        for table, period, ranges in ((monthly_people, "month", [months] if months else []),
                                      (daily_people, "day", day_ranges)):
            columns = [table.c.person]
            if value_column:
                columns.insert(0, table.c[value_column].label("value"))
            for one in ranges:
                parts.append(select(*columns).where(
                    in_ranges(table.c[period], [one]),
                    *dimension_filters(table, filters, with_feature=False)))
    raw_pieces = pieces.edges if use_rollup else [(filters.start or EARLIEST,
                                                    filters.end or LATEST)]
    for one in raw_pieces or []:
        columns = [person_of_event().label("person")]
        if value_column:
            columns.insert(0, func.coalesce(events.c[value_column], NO_VALUE).label("value"))
        parts.append(select(*columns).where(
            raw_in([one], filters),
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
    """Return None for the rollups' stand-in for a missing value, else the value."""
    return None if value == NO_VALUE else value


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
    quarter-hour buckets (900 seconds), for zones like India's, from the quarter-hour
    rollups: see quarter_counts_per_bucket. With `days_only` (the caller folds into local
    days, weeks or months, never hours), whole UTC days come from the daily rollups
    instead; see day_counts_as_buckets.
    """
    if bucket_seconds == 900 and not filters.raw_filtered:
        return quarter_counts_per_bucket(filters, days_only=days_only)
    if bucket_seconds not in (900, 3600):
        raise ValueError(f"unsupported bucket width {bucket_seconds}")
    start, end = filters.start or EARLIEST, filters.end or LATEST
    first_hour, last_hour = ceil_hour(start), floor_hour(end)
    if first_hour >= last_hour or filters.raw_filtered:
        return sorted(raw_counts_per_bucket(filters, bucket_seconds, start, end))
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


def quarter_hourly_rollup(filters: Filters):
    """The quarter-hour table for a line: one feature's rows, or every feature's totals."""
    return quarter_hourly if filters.feature else quarter_hourly_totals


def hourly_counts(filters: Filters, hour_condition: ColumnElement) -> Counter:
    """{hour start in epoch seconds: events} for the hours matching the condition."""
    table = hourly_rollup(filters)
    return bucket_counts(filters, table.c.hour, 3600, hour_condition)


def bucket_counts(filters: Filters, bucket_column, bucket_seconds: int,
                  condition: ColumnElement) -> Counter:
    """{bucket start in epoch seconds: events} for the rows of an hourly or quarter-hour
    rollup (`bucket_column` is its time column) matching the condition.
    """
    table = bucket_column.table
    # Group by the stored bucket (cheap) and let the database turn each of the few thousand
    # into epoch seconds: converting them row by row in Python cost more than the query.
    epoch = epoch_bucket(bucket_column, literal_column(str(bucket_seconds)))
    query = (select(epoch, func.sum(table.c.events))
             .where(condition, *dimension_filters(table, filters, with_feature=True))
             .group_by(bucket_column))
    return Counter({int(start): int(count) for start, count in db.session.execute(query)})


def quarter_counts_per_bucket(filters: Filters, *, days_only: bool) -> list[tuple[int, int]]:
    """Events per UTC quarter hour, for zones whose offset is not a whole hour.

    Whole quarter hours come from the quarter-hour rollups, and only slivers shorter than
    a quarter hour at the range's edges from raw events. With `days_only`, whole UTC days
    come from the daily rollups, corrected by the hours and quarter hours that fall on
    another local date: see day_counts_with_moved_quarters.
    """
    pieces = split_quarter_range(filters.start, filters.end, with_days=days_only)
    counts: Counter = Counter()
    if pieces.days:
        counts.update(day_counts_with_moved_quarters(filters, *pieces.days))
    column = quarter_hourly_rollup(filters).c.quarter_hour
    shift = None if days_only or not pieces.quarters else hour_shift(
        filters.tz, pieces.quarters[0][0], pieces.quarters[-1][1])
    for low, high in pieces.quarters:
        condition = and_(column >= low, column < high)
        counts.update(bucket_counts(filters, column, 900, condition) if shift is None
                      else local_hour_counts(filters, column, shift, condition))
    for low, high in pieces.raw:
        counts.update(dict(raw_counts_per_bucket(filters, 900, low, high)))
    return sorted(counts.items())


def local_hour_counts(filters: Filters, column, shift: int, condition: ColumnElement
                      ) -> Counter:
    """{local hour start in epoch seconds: events} from the quarter-hour rollup, for a zone
    whose local hours start `shift` seconds past each UTC hour: the database sums the
    quarter hours (in index order) and then their local hours, so a month's hourly line
    returns 720 rows rather than 2,880.
    """
    table = column.table
    quarters = (select(epoch_bucket(column, literal_column("900")).label("start"),
                       func.sum(table.c.events).label("events"))
                .where(condition, *dimension_filters(table, filters, with_feature=True))
                .group_by(column).subquery())
    hour = local_hour_epoch(quarters.c.start, literal_column(str(shift)))
    query = select(hour, func.sum(quarters.c.events)).group_by(hour)
    return Counter({int(start): int(count) for start, count in db.session.execute(query)})


def daily_counts_at_noon(filters: Filters, first: date, last: date) -> Counter:
    """Each UTC day's total in [first, last), keyed at the day's noon in epoch seconds."""
    table = daily if filters.feature else daily_totals
    query = (select(table.c.day, func.sum(table.c.events))
             .where(table.c.day >= first, table.c.day < last,
                    *dimension_filters(table, filters, with_feature=True))
             .group_by(table.c.day))
    buckets: Counter = Counter()
    for day, count in db.session.execute(query):
        buckets[day_noon_epoch(day)] += int(count)
    return buckets


def day_counts_with_moved_quarters(filters: Filters, first: date, last: date) -> Counter:
    """UTC days [first, last) as buckets that fold into the right local days, in a zone
    whose offset is not a whole hour.

    As in day_counts_as_buckets, each UTC day's total is keyed at its noon; the parts of
    the day on another local date are read as whole hours from the hourly rollup and, in
    the hour a local midnight cuts, as quarter hours, then moved off the noon bucket.
    """
    buckets = daily_counts_at_noon(filters, first, last)
    moved = moved_pieces(filters.tz, first, last)
    for column, listed in ((hourly_rollup(filters).c.hour, moved.hours),
                           (quarter_hourly_rollup(filters).c.quarter_hour, moved.quarters)):
        if not listed.count:
            continue
        table = column.table
        day, before_noon = utc_date_of(column), utc_before_noon(column)
        query = (select(day, before_noon, func.sum(table.c.events))
                 .where(hour_in(column, listed),
                        *dimension_filters(table, filters, with_feature=True))
                 .group_by(day, before_noon))
        for utc_day, morning, count in db.session.execute(query):
            noon = day_noon_epoch(date.fromisoformat(utc_day) if isinstance(utc_day, str)
                                  else utc_day)
            buckets[moved.bucket_of_half_day[(noon - 43200, bool(morning))]] += int(count)
            buckets[noon] -= int(count)
    return buckets


def day_counts_as_buckets(filters: Filters, first: date, last: date) -> Counter:
    """UTC days [first, last) as buckets that fold into the right local days.

    A UTC day's total is keyed at its noon, which lies in the local day holding most of
    it. The hours of that UTC day falling on another local date (the first or last few,
    outside UTC) are summed per UTC day from the hourly rollup, keyed at the first of
    them, and taken off the noon bucket. A year's line then reads one row per day and
    group plus those few hours per day, instead of 24 hourly rows per day and group.
    """
    buckets = daily_counts_at_noon(filters, first, last)
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


def event_count(filters: Filters) -> int:
    """How many events match."""
    return sum(counts_by(filters, ("age_group",), with_feature=True).values())


def totals(filters: Filters, *, count_people: bool = True) -> dict:
    """Event count, unique people (None unless `count_people`), distinct features and the
    most used one ((name, count) or None), from one count per feature: with a website or
    person filter each count reads every event of the range.
    """
    used = sorted(((name, count) for name, count
                   in counts_by(filters, ("name",), with_feature=True).items() if count),
                  key=lambda item: (-item[1], item[0]))
    return {"events": sum(count for _, count in used),
            "people": unique_people_count(filters) if count_people else None,
            "features": len(used), "top": used[0] if used else None}


# Breakdowns the rollups answer; every other dimension is grouped from raw events.
ROLLUP_BREAKDOWNS = ("age_group", "gender")


def breakdown(filters: Filters, by: str, limit: int, *, count_people: bool = True
              ) -> list[tuple[str | None, int, int | None]]:
    """(value, events, unique people) for the top `limit` values of a column or property;
    `count_people` False leaves the rollup breakdowns' people out (None).
    """
    if by in ROLLUP_BREAKDOWNS:
        return rollup_breakdown(filters, by, limit, count_people=count_people)
    return raw_breakdown(filters, by, limit)


def rollup_breakdown(filters: Filters, by: str, limit: int, *, count_people: bool = True
                     ) -> list[tuple[str | None, int, int | None]]:
    """Age group or gender from the rollups: counts and exact unique people (or None)."""
    counts = counts_by(filters, (by,), with_feature=True)
    people = unique_people_by(filters, by) if count_people else None
    rows = [(from_rollup_value(value), count,
             people.get(value, 0) if people is not None else None)
            for value, count in counts.items() if count]
    rows.sort(key=lambda row: (-row[1], row[0] is None, row[0] or ""))
    return rows[:limit]
