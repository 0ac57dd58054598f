"""Every analytics query, written once in SQLAlchemy Core for SQLite and Postgres.

Counting happens in SQL; Python only ever sees aggregated rows (at most one per UTC bucket,
feature or value) or a bounded page of events. Filter values are bound parameters; the
columns a query may group by come from an allowlist.
"""

from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import (
    Integer,
    and_,
    case,
    distinct,
    func,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from app.analytics.periods import Filters
from app.extensions import db
from app.models import Event, User

events = Event.__table__
users = User.__table__

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
    """First and last event time matching the filters (for 'all time' views)."""
    query = select(func.min(events.c.occurred_at), func.max(events.c.occurred_at)) \
        .where(where(filters))
    first, last = db.session.execute(query).one()
    return first, last


def feature_counts(filters: Filters, *, with_feature: bool = False) -> list[tuple[str, int]]:
    """Events per feature, most used first (the bar chart ignores the selected feature)."""
    count = func.count().label("count")
    query = (select(events.c.name, count)
             .where(where(filters, with_feature=with_feature))
             .group_by(events.c.name)
             .order_by(count.desc(), events.c.name))
    return [(row.name, row.count) for row in db.session.execute(query)]


def counts_per_bucket(filters: Filters, bucket_seconds: int) -> list[tuple[datetime, int]]:
    """Events per fixed UTC bucket, for folding into local hours, days, weeks or months."""
    bucket = bucket_of(bucket_seconds).label("bucket")
    query = (select(bucket, func.count().label("count"))
             .where(where(filters))
             .group_by(bucket))
    return [(datetime.fromtimestamp(row.bucket, UTC), row.count)
            for row in db.session.execute(query)]


def feature_counts_per_bucket(filters: Filters, bucket_seconds: int
                              ) -> list[tuple[datetime, str, int]]:
    """Events per UTC bucket and feature (the daily CSV export)."""
    bucket = bucket_of(bucket_seconds).label("bucket")
    query = (select(bucket, events.c.name, func.count().label("count"))
             .where(where(filters))
             .group_by(bucket, events.c.name))
    return [(datetime.fromtimestamp(row.bucket, UTC), row.name, row.count)
            for row in db.session.execute(query)]


def event_count(filters: Filters) -> int:
    """How many events match."""
    return db.session.execute(select(func.count()).select_from(events)
                              .where(where(filters))).scalar_one()


def totals(filters: Filters) -> dict:
    """Event count, unique people and distinct features in one pass."""
    query = select(func.count().label("events"), unique_people().label("people"),
                   func.count(distinct(events.c.name)).label("features")).where(where(filters))
    row = db.session.execute(query).one()
    return {"events": row.events, "people": row.people, "features": row.features}


def breakdown(filters: Filters, by: str, limit: int) -> list[tuple[str | None, int, int]]:
    """(value, events, unique people) for the top `limit` values of a column or property."""
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
