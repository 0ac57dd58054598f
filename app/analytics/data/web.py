"""Website figures: visitors, visits, page views, bounces, durations, bots and breakdowns.

Without filters (`raw` False), whole UTC months come from web_rollup_monthly, the other
whole UTC days from web_rollup_daily, the whole hours around them from web_rollup_hourly,
and slivers under an hour from the raw visits (by start) and events (by time); the
visitors of the whole days from visitor_day_pairs, plus those of the edges (visitor_hours
and raw slivers) that have no visitor_days row in those days. With a
filter (`raw` True) everything is read from raw visits and events. Both give the same
numbers: visits count at their start, page views and visitors at each event's time.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, exists, func, null, select, true, union_all
from sqlalchemy.sql import Select
from sqlalchemy.sql.expression import ColumnElement

from app.analytics.data.clauses import conditions
from app.analytics.data.web_clauses import (
    EMPTY,
    PAGE_VIEW,
    bounce,
    event_value,
    events,
    events_in,
    human_events,
    sortable,
    visit_conditions,
    visit_seconds,
    visit_value,
    visits,
)
from app.analytics.periods import Filters
from app.analytics.ranges import split_range, whole_months
from app.extensions import db
from app.web.tables import (
    visitor_day_pairs,
    visitor_days,
    visitor_hours,
    web_daily,
    web_hourly,
    web_monthly,
)

VISIT_MEASURES = ("visits", "pageviews", "bounces", "duration")


@dataclass(frozen=True)
class WebPieces:
    """A range as the web rollups read it: whole UTC days, whole hours at their edges, and
    raw slivers (under an hour) outside those.
    """

    days: tuple[date, date] | None  # [first, last)
    hours: list[tuple[datetime, datetime]]
    raw: list[tuple[datetime, datetime]]


def web_pieces(start: datetime, end: datetime) -> WebPieces:
    """Cut [start, end) as app.analytics.ranges.split_range does."""
    pieces = split_range(start, end)
    return WebPieces(pieces.days, pieces.hours, pieces.raw)


def each_day(first: date, last: date) -> list[date]:
    """Every day in [first, last)."""
    return [first + timedelta(days=offset) for offset in range((last - first).days)]


def rollup_selects(project_id: int, pieces: WebPieces, dimensions: list[str],
                   columns) -> list[Select]:
    """SELECTs of `columns(table)` over the rollup rows of these dimensions: whole months
    from the monthly table, the other days from the daily one, the edge hours from the
    hourly one. Each month and day is listed, so each is one seek of the primary key
    rather than a scan of every dimension.
    """
    parts = []
    if pieces.days:
        months, day_ranges = whole_months(*pieces.days)
        month_starts = []
        if months:
            month = months[0]
            while month < months[1]:
                month_starts.append(month)
                month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        listed_days = [day for first, last in day_ranges for day in each_day(first, last)]
        for table, period, listed in ((web_monthly, "month", month_starts),
                                      (web_daily, "day", listed_days)):
            if listed:
                parts.append(select(*columns(table)).where(
                    table.c.project_id == project_id, table.c[period].in_(listed),
                    table.c.dimension.in_(dimensions)))
    for low, high in pieces.hours:
        parts.append(select(*columns(web_hourly)).where(
            web_hourly.c.project_id == project_id, web_hourly.c.hour >= low,
            web_hourly.c.hour < high, web_hourly.c.dimension.in_(dimensions)))
    return parts


def summed(parts: list[Select], names: tuple[str, ...]) -> dict[str, int]:
    """The sums of the named columns over the UNION ALL of the parts."""
    if not parts:
        return dict.fromkeys(names, 0)
    combined = union_all(*parts).subquery()
    row = db.session.execute(select(*(func.coalesce(func.sum(combined.c[name]), 0)
                                      for name in names))).one()
    return {name: int(value) for name, value in zip(names, row, strict=True)}


def raw_visit_measures(where: list) -> Select:
    """Visits, their page views, bounces and summed duration, of the visits matching."""
    return select(func.count().label("visits"),
                  func.coalesce(func.sum(visits.c.pageviews), 0).label("pageviews"),
                  func.coalesce(func.sum(bounce()), 0).label("bounces"),
                  func.coalesce(func.sum(visit_seconds()), 0).label("duration")
                  ).where(*where)


def visit_measures(filters: Filters, *, raw: bool) -> dict[str, int]:
    """Visits started in the range, their page views, bounces and total seconds."""
    if raw:
        return summed([raw_visit_measures(visit_conditions(filters, filters.start,
                                                           filters.end))], VISIT_MEASURES)
    pieces = web_pieces(filters.start, filters.end)
    parts = rollup_selects(filters.project_id, pieces, [""], lambda table: (
        table.c.visits, table.c.pageviews, table.c.bounces,
        table.c.duration_seconds.label("duration")))
    parts += [raw_visit_measures(visit_conditions(filters, low, high))
              for low, high in pieces.raw]
    return summed(parts, VISIT_MEASURES)


def counted(condition) -> ColumnElement:
    """How many rows the condition holds for (0 without rows)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def event_measures(filters: Filters) -> dict[str, int]:
    """Page views (unfiltered) and bot events (never filtered) from the rollups and raw
    slivers.
    """
    pieces = web_pieces(filters.start, filters.end)
    parts = rollup_selects(filters.project_id, pieces, ["*", "bots"], lambda table: (
        func.coalesce(func.sum(table.c.pageviews).filter(table.c.dimension == "*"), 0)
        .label("pageviews"),
        func.coalesce(func.sum(table.c.events).filter(table.c.dimension == "bots"), 0)
        .label("bots")))
    for low, high in pieces.raw:
        parts.append(select(
            counted(and_(*human_events(), events.c.name == PAGE_VIEW)).label("pageviews"),
            counted(events.c.is_bot.is_(True)).label("bots")).where(
            events.c.project_id == filters.project_id, events.c.occurred_at >= low,
            events.c.occurred_at < high))
    return summed(parts, ("pageviews", "bots"))


def raw_event_measures(filters: Filters) -> dict[str, int]:
    """Page views and distinct visitors of the human events matching the filters, in one
    pass over the range's events.
    """
    query = select(counted(events.c.name == PAGE_VIEW),
                   func.count(events.c.visitor_id.distinct())).where(
        *conditions(filters), events.c.visitor_id.is_not(None))
    pageviews, visitors = db.session.execute(query).one()
    return {"pageviews": int(pageviews), "visitors": visitors}


def visitor_count(filters: Filters) -> int:
    """Distinct visitors with a human event in the range, from the visitor tables."""
    pieces = web_pieces(filters.start, filters.end)
    total = 0
    if pieces.days:
        first, last = pieces.days
        whole_days = select(func.coalesce(func.sum(visitor_day_pairs.c.visitors), 0)).where(
            visitor_day_pairs.c.project_id == filters.project_id,
            visitor_day_pairs.c.day.in_(each_day(first, last)),
            visitor_day_pairs.c.prev_day < first)
        total = int(db.session.execute(whole_days).scalar_one())
    edge_parts = [select(visitor_hours.c.visitor_id.label("visitor_id")).where(
        visitor_hours.c.project_id == filters.project_id, visitor_hours.c.hour >= low,
        visitor_hours.c.hour < high) for low, high in pieces.hours]
    edge_parts += [select(events.c.visitor_id.label("visitor_id")).where(
        *events_in(filters.project_id, low, high)) for low, high in pieces.raw]
    if not edge_parts:
        return total
    edge_visitors = union_all(*edge_parts).subquery()
    distinct_visitors = select(edge_visitors.c.visitor_id).distinct().subquery()
    query = select(func.count()).select_from(distinct_visitors)
    if pieces.days:  # those already counted on a whole day are not counted again
        query = query.where(distinct_visitors.c.visitor_id.not_in(
            seen_on_whole_days(filters.project_id, first, last)))
    return total + db.session.execute(query).scalar_one()


def seen_on_whole_days(project_id: int, first: date, last: date) -> Select:
    """Of the visitors active on the day before `first` or on `last` (the days the range's
    edges lie on), those also active on a day in [first, last). Read from the prev_day
    index, as two short ranges, rather than a lookup per edge visitor: a visitor of the
    day before whose next day is in the range has a row there with prev_day the day
    before; a visitor of `last` seen in the range has prev_day in [first, last) on `last`.
    """
    days = visitor_days.c
    return union_all(
        select(days.visitor_id).where(days.project_id == project_id,
                                      days.prev_day == first - timedelta(days=1),
                                      days.day >= first, days.day < last),
        # Each prev_day listed: one short seek per day instead of every row whose
        # previous day is in the range.
        select(days.visitor_id).where(days.project_id == project_id,
                                      days.prev_day.in_(each_day(first, last)),
                                      days.day == last))


def has_page_views(project_id: int) -> bool:
    """Whether the project ever had a (human) page view: a month's "*" row says so."""
    query = select(exists().where(web_monthly.c.project_id == project_id,
                                  web_monthly.c.dimension == "*", web_monthly.c.value == "",
                                  web_monthly.c.pageviews > 0))
    return bool(db.session.execute(query).scalar())


def breakdown_parts(filters: Filters, by: str) -> list[Select]:
    """(value, n) SELECTs over the pieces of the range, for the rollup path: visits per
    value of a visit dimension, or page views per page.
    """
    pieces = web_pieces(filters.start, filters.end)
    measure = "pageviews" if by == "page" else "visits"
    parts = rollup_selects(filters.project_id, pieces, [by], lambda table: (
        table.c.value.label("value"), table.c[measure].label("n")))
    for low, high in pieces.raw:
        if by == "page":
            value = event_value("page").label("value")
            parts.append(select(value, func.count().label("n")).where(
                *events_in(filters.project_id, low, high), events.c.name == PAGE_VIEW)
                .group_by(value))
        else:
            value = visit_value(by).label("value")
            parts.append(select(value, func.count().label("n"))
                         .where(*visit_conditions(filters, low, high)).group_by(value))
    return parts


def breakdown(filters: Filters, by: str, limit: int, *, raw: bool
              ) -> tuple[list[tuple[str, int, int | None]], int]:
    """The top `limit` (value, count, visitors) of a visit dimension (counting visits) or
    of "page" (page views), most first, then by value, "" (none) last among equals; and
    the count over every value. Pages without a path are left out on both paths (the
    rollups have no row for them). Visitors per value only on the raw path (else None).
    """
    if raw:
        if by == "page":
            value = event_value("page")
            where = [*conditions(filters), events.c.visitor_id.is_not(None),
                     events.c.name == PAGE_VIEW, value != EMPTY]
            visitor = events.c.visitor_id
        else:
            value = visit_value(by)
            where = visit_conditions(filters, filters.start, filters.end)
            visitor = visits.c.visitor_id
        count = func.count().label("count")
        query = select(value.label("value"), count,
                       func.count(visitor.distinct()).label("visitors"),
                       func.sum(func.count()).over().label("total")
                       ).where(*where).group_by(value)
    else:
        combined = union_all(*breakdown_parts(filters, by)).subquery()
        value = combined.c.value
        count = func.sum(combined.c.n).label("count")
        query = (select(value, count, null().label("visitors"),
                        func.sum(func.sum(combined.c.n)).over().label("total"))
                 .where(value != EMPTY if by == "page" else true())
                 .group_by(value).having(func.sum(combined.c.n) > 0))
    query = query.order_by(count.desc(), value == EMPTY, sortable(value)).limit(limit)
    rows = db.session.execute(query).all()
    total = int(rows[0].total) if rows else 0
    return [(row.value, int(row.count), row.visitors) for row in rows], total
