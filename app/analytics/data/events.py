"""Reads of raw events: first and last event, buckets and breakdowns by any column,
property or person trait, top pages, the newest events, the export and the live stream's
id watermark.
"""

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, func, or_, select

from app.analytics.data.clauses import (
    BREAKDOWN_COLUMNS,
    bucket_of,
    dimension_filters,
    events,
    raw_in,
    unique_people,
    users,
    where,
)
from app.analytics.data.json_text import json_text
from app.analytics.data.person_clauses import events_with_trait
from app.analytics.periods import Filters
from app.analytics.ranges import ONE_HOUR
from app.database import restart_statement_clock
from app.extensions import db
from app.rollups.tables import daily, daily_totals, hourly, hourly_totals, monthly

EXPORT_COLUMNS = ("id", "uuid", "occurred_at", "name", "user_id", "anonymous_id", "session_id",
                  "page_url", "referrer", "age_group", "gender", "properties")


def data_range(filters: Filters) -> tuple[datetime | None, datetime | None]:
    """First and last event time matching the filters (for 'all time' views).

    Each end is found by narrowing down the rollups, coarse to fine: the first (last) month
    from the monthly rollup, the first (last) day of that month from the daily one, the
    first (last) hour of that day from the hourly one, and the exact instant from the raw
    events of that hour. Every step reads at most one period's rows of one project: a
    MIN and MAX over the hourly rollup read all of a project's hours (SQLite cannot take
    both ends of one index in one statement), 0.1-0.4 s at 2M events a project. Website
    and person filters are left out (the rollup knows none of them): the range is then the data's,
    which only widens an open range.
    """
    filters = filters.without_raw_filters()
    first_month, last_month = db.session.execute(
        select(func.min(monthly.c.month), func.max(monthly.c.month))
        .where(monthly.c.events > 0, *dimension_filters(monthly, filters, with_feature=True))
    ).one()
    if first_month is None:
        return None, None
    return (edge_of_data(filters, first_month, func.min),
            edge_of_data(filters, last_month, func.max))


def edge_of_data(filters: Filters, month: date, edge) -> datetime | None:
    """The first (`edge` func.min) or last (func.max) matching event time in a UTC month
    that the monthly rollup says holds some.
    """
    day_table = daily if filters.feature else daily_totals
    day = db.session.execute(select(edge(day_table.c.day)).where(
        day_table.c.day >= month, day_table.c.day < next_month(month), day_table.c.events > 0,
        *dimension_filters(day_table, filters, with_feature=True))).scalar()
    if day is None:
        return None
    hour_table = hourly if filters.feature else hourly_totals
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    hour = db.session.execute(select(edge(hour_table.c.hour)).where(
        hour_table.c.hour >= midnight, hour_table.c.hour < midnight + timedelta(days=1),
        hour_table.c.events > 0,
        *dimension_filters(hour_table, filters, with_feature=True))).scalar()
    if hour is None:
        return None
    return db.session.execute(select(edge(events.c.occurred_at)).where(
        raw_in([(hour, hour + ONE_HOUR)], filters))).scalar()


def next_month(month: date) -> date:
    """The first day of the month after the one `month` starts."""
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


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


def raw_breakdown(filters: Filters, by: str, limit: int) -> list[tuple[str | None, int, int]]:
    """Any allowlisted column, a property or a person trait, counted from raw events (an
    event with no such value in the None row).
    """
    source = events
    if by.startswith("property:"):
        value = json_text(events.c.properties, by.removeprefix("property:"))
    elif by.startswith("person:"):
        source, value = events_with_trait(filters.project_id, by.removeprefix("person:"))
    else:
        value = BREAKDOWN_COLUMNS[by]
    value = value.label("value")
    count = func.count().label("count")
    query = (select(value, count, unique_people().label("people"))
             .select_from(source)
             .where(where(filters))
             .group_by(value)
             .order_by(count.desc(), value.asc().nulls_last())
             .limit(limit))
    return [(row.value, row.count, row.people) for row in db.session.execute(query)]


# The event name whose page_url top pages counts.
PAGE_VIEW = "page_view"


def top_pages(filters: Filters, limit: int) -> list[tuple[str, int, int]]:
    """Page views and unique viewers per page URL."""
    views = func.count().label("views")
    query = (select(events.c.page_url, views, unique_people().label("people"))
             .where(where(filters), events.c.name == PAGE_VIEW,
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


def export_events(filters: Filters, batch_size: int = 2000) -> Iterator:
    """Matching events oldest first, streamed from the database in batches (constant memory)."""
    query = (select(*(events.c[name] for name in EXPORT_COLUMNS))
             .where(where(filters))
             .order_by(events.c.occurred_at, events.c.id)
             .execution_options(yield_per=batch_size))
    with db.engine.connect() as connection:
        for batch in connection.execute(query).partitions():
            yield from batch
            # The client took its time with that batch; the next gets a whole timeout.
            restart_statement_clock(connection)


def newest_event_id() -> int:
    """Return the highest stored event id, 0 when there are none."""
    return db.session.execute(select(func.max(events.c.id))).scalar() or 0


def names_counted_between(since: int, newest: int) -> Counter:
    """Events per (project id, name) whose ids lie in (since, newest] (the live watcher's
    look).
    """
    query = (select(events.c.project_id, events.c.name, func.count())
             .where(events.c.id > since, events.c.id <= newest)
             .group_by(events.c.project_id, events.c.name))
    return Counter({(project_id, name): count
                    for project_id, name, count in db.session.execute(query).all()})
