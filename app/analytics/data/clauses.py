"""The tables, WHERE conditions and SQL expressions the analytics queries share."""

from datetime import datetime

from sqlalchemy import (
    Boolean,
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
)
from sqlalchemy.dialects.postgresql import ARRAY, TIMESTAMP
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from app.analytics.data.person_clauses import person_conditions
from app.analytics.data.web_clauses import event_web_conditions
from app.analytics.periods import Filters
from app.analytics.quarters import ListedMoments
from app.analytics.ranges import MovedHours
from app.extensions import db
from app.models import Event, User
from app.sql_seconds import sqlite_epoch_seconds

events = Event.__table__
users = User.__table__

# Columns a breakdown may group by. Property and person breakdowns use a bound JSON path
# instead (person: through app.analytics.data.person_clauses).
BREAKDOWN_COLUMNS = {
    "feature": events.c.name,
    "age_group": events.c.age_group,
    "gender": events.c.gender,
    "page_url": events.c.page_url,
}
BUCKET_SIZES = frozenset({900, 3600})  # quarter hours and hours


def dimension_filters(table, filters: Filters, *, with_feature: bool) -> list[ColumnElement]:
    """Project, age group, gender and feature conditions on a rollup table."""
    clauses: list[ColumnElement] = [table.c.project_id == filters.project_id]
    if filters.age_group:
        clauses.append(table.c.age_group == filters.age_group)
    if filters.gender:
        clauses.append(table.c.gender == filters.gender)
    if with_feature and filters.feature and "name" in table.c:
        clauses.append(table.c.name == filters.feature)
    return clauses


def in_ranges(column, ranges: list[tuple]) -> ColumnElement:
    """Column within any of the half-open ranges."""
    return or_(*(and_(column >= low, column < high) for low, high in ranges))


def raw_in(pieces: list[tuple[datetime, datetime]], filters: Filters, *,
           with_feature: bool = True) -> ColumnElement:
    """Raw events inside the given pieces, with the non-time filters."""
    clauses = conditions(filters.with_range(None, None), with_feature=with_feature)
    return and_(in_ranges(events.c.occurred_at, pieces), *clauses)


def conditions(filters: Filters, *, with_feature: bool = True) -> list[ColumnElement]:
    """WHERE clauses for a filter set (always within its one project, never a bot; person
    filters look people up within that project too).
    """
    clauses: list[ColumnElement] = [events.c.project_id == filters.project_id]
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
    return clauses + event_web_conditions(filters) + person_conditions(filters)


def where(filters: Filters, *, with_feature: bool = True) -> ColumnElement:
    """All conditions joined (true when there are none)."""
    return and_(true(), *conditions(filters, with_feature=with_feature))


def person_of_event() -> ColumnElement:
    """The rollup's person key for a raw event."""
    return case((events.c.user_id.is_not(None),
                 literal("u:") + cast(events.c.user_id, String(20))),
                else_=literal("a:") + events.c.anonymous_id)


def unique_people() -> ColumnElement:
    """Distinct users plus distinct anonymous visitors (two disjoint sets, so the sum is exact)."""
    anonymous = case((events.c.user_id.is_(None), events.c.anonymous_id))
    return func.count(distinct(events.c.user_id)) + func.count(distinct(anonymous))


class epoch_bucket(FunctionElement):  # noqa: N801 - reads like the SQL function it renders
    """Start of the fixed-width UTC bucket holding a timestamp, in epoch seconds."""

    type = Integer()
    inherit_cache = True


@compiles(epoch_bucket, "sqlite")
def _epoch_bucket_sqlite(element, compiler, **kw):
    column, size = list(element.clauses)
    return (f"({sqlite_epoch_seconds(compiler.process(column, **kw))} / "
            f"{compiler.process(size, **kw)}) * {compiler.process(size, **kw)}")


@compiles(epoch_bucket, "postgresql")
def _epoch_bucket_postgres(element, compiler, **kw):
    column, size = list(element.clauses)
    return (f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(column, **kw)}) / "
            f"{compiler.process(size, **kw)}) * {compiler.process(size, **kw)} AS BIGINT)")


class local_hour_epoch(FunctionElement):  # noqa: N801 - reads like the SQL function it renders
    """Start, in epoch seconds, of the local hour holding an epoch-seconds value, for a zone
    whose hours start `shift` seconds past each UTC hour (both integers of ours, inlined).
    """

    type = Integer()
    inherit_cache = True


@compiles(local_hour_epoch, "sqlite")
def _local_hour_epoch_sqlite(element, compiler, **kw):
    epoch, shift = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"((({epoch}) + {shift}) / 3600) * 3600 - {shift}"


@compiles(local_hour_epoch, "postgresql")
def _local_hour_epoch_postgres(element, compiler, **kw):
    epoch, shift = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(FLOOR((({epoch}) + {shift}) / 3600.0) * 3600 - {shift} AS BIGINT)"


def bucket_of(bucket_seconds: int) -> ColumnElement:
    """The bucket expression; the width is inlined (an allowlisted integer) so GROUP BY
    and SELECT render the very same expression.
    """
    if bucket_seconds not in BUCKET_SIZES:
        raise ValueError(f"unsupported bucket width {bucket_seconds}")
    return epoch_bucket(events.c.occurred_at, literal_column(str(bucket_seconds)))


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


class utc_before_noon(FunctionElement):  # noqa: N801 - reads like the SQL function it renders
    """Whether a stored timestamp lies before noon of its UTC day."""

    type = Boolean()
    inherit_cache = True


@compiles(utc_before_noon, "sqlite")
def _utc_before_noon_sqlite(element, compiler, **kw):
    # The stored text's hour, compared as text: "00" to "11" sort before "12".
    return f"(substr({compiler.process(list(element.clauses)[0], **kw)}, 12, 2) < '12')"


@compiles(utc_before_noon, "postgresql")
def _utc_before_noon_postgres(element, compiler, **kw):
    column = compiler.process(list(element.clauses)[0], **kw)
    return f"(EXTRACT(HOUR FROM {column} AT TIME ZONE 'UTC') < 12)"


def hour_in(column, moved: MovedHours | ListedMoments) -> ColumnElement:
    """Column IN the moved hours (or any listed instants), bound as a single value: a few
    thousand parameters cost more to bind and convert than the index reads they drive.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        listed = func.json_each(bindparam("moved_hours", moved.sqlite_list, type_=String)
                                ).table_valued("value")
        # Compared as stored (no CAST), so the lookups use the index.
        return column.in_(select(listed.c.value))
    return column == any_(cast(bindparam("moved_hours", moved.postgres_array, type_=String),
                               ARRAY(TIMESTAMP(timezone=True))))
