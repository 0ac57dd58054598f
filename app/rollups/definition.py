"""Every rollup table, declared once.

A rollup is a table of counts (or of who was active) keyed by a UTC time grain and a few
dimensions of the event. Ingestion (app.rollups.counting and the Postgres statement in
app.rollups.data), the rebuild, the bulk loader and the exactness tests all derive their
keys from the declarations below, so adding a dimension or a rollup is a change here plus
a migration that creates the column or table.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum

from sqlalchemy import Date, Integer, String
from sqlalchemy.types import TypeEngine

from app.models import NO_VALUE, UTCDateTime

EventRow = Mapping[str, object]


@dataclass(frozen=True, eq=False)  # hashed by identity: `sql` is a dict
class Grain:
    """A UTC time bucket: its key column, its Python floor, and its SQL per dialect."""

    column: str
    floor: Callable[[datetime], date | datetime]  # an aware UTC moment -> the bucket
    sql: Mapping[str, str]  # dialect name -> expression over events.occurred_at
    order: int  # finer grains first: quarter hour < hour < day < month
    column_type: TypeEngine | type[TypeEngine] = Date
    # How finely an event's moment must be kept to know its bucket: an hour for every
    # grain of an hour or more, 15 minutes for quarter hours (the counting loop's bucket
    # cache and the bulk loader's groups work at the finest resolution the rollups need).
    resolution_minutes: int = 60


def floor_quarter_hour(moment: datetime) -> datetime:
    """The start of the UTC quarter hour holding `moment`."""
    moment = moment.astimezone(UTC)
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


def floor_hour(moment: datetime) -> datetime:
    """The start of the UTC hour holding `moment`."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def utc_day(moment: datetime) -> date:
    """The UTC calendar day of `moment`."""
    return moment.astimezone(UTC).date()


def utc_month(moment: datetime) -> date:
    """The first day of the UTC month holding `moment`."""
    return moment.astimezone(UTC).date().replace(day=1)


# Quarter hours serve the zones whose offset is not a whole hour (India's +5:30, Nepal's
# +5:45, Newfoundland's -3:30...): every offset in use is a multiple of 15 minutes.
QUARTER_HOUR = Grain("quarter_hour", floor_quarter_hour, order=0, column_type=UTCDateTime,
                     resolution_minutes=15, sql={
    "postgresql": "date_bin('15 minutes', occurred_at, TIMESTAMPTZ '2000-01-01 00:00:00+00')",
    "sqlite": "strftime('%Y-%m-%d %H:', occurred_at) "
              "|| printf('%02d:00.000000', CAST(strftime('%M', occurred_at) AS INTEGER) / 15 * 15)",
})
HOUR = Grain("hour", floor_hour, order=1, column_type=UTCDateTime, sql={
    "postgresql": "date_trunc('hour', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
    "sqlite": "strftime('%Y-%m-%d %H:00:00.000000', occurred_at)",
})
DAY = Grain("day", utc_day, order=2, sql={
    "postgresql": "CAST(occurred_at AT TIME ZONE 'UTC' AS date)",
    "sqlite": "date(occurred_at)",
})
MONTH = Grain("month", utc_month, order=3, sql={
    "postgresql": "CAST(date_trunc('month', occurred_at AT TIME ZONE 'UTC') AS date)",
    "sqlite": "date(occurred_at, 'start of month')",
})


@dataclass(frozen=True)
class Dimension:
    """A key column of rollups: which event fields it reads, and how, in Python and SQL.

    `of` and `sql` must agree for every event; the exactness tests check that they do.
    A nullable dimension (a person, say) leaves events without a value out of its rollups.
    """

    column: str
    reads: tuple[str, ...]  # the event fields `of` looks at
    of: Callable[[EventRow], str | None]
    sql: str  # the same value as an SQL expression over the events table, on every backend
    column_type: TypeEngine
    nullable: bool = False
    # Leading dimensions come before the time grain in the key, so that one project's rows
    # sit together in every rollup's primary-key index and a range read stays inside them.
    leads: bool = False


class Field:
    """A dimension function: the value of one event field. A class, not a closure, so
    that rollups can be pickled to the bulk loader's generator, and so that the counting
    code generated from the definition can inline it.
    """

    def __init__(self, field: str):
        self.field = field

    def __call__(self, row: EventRow) -> str | None:
        """The row's value of the field."""
        return row[self.field]


class FieldOrNoValue(Field):
    """A dimension function: the field's value, or NO_VALUE where it is missing."""

    def __call__(self, row: EventRow) -> str:
        """The row's value of the field, or NO_VALUE."""
        found = row[self.field]
        return NO_VALUE if found is None else found


def person_of(row: EventRow) -> str | None:
    """Who did it: "u:<user id>", else "a:<anonymous id>", else nobody known."""
    if row["user_id"] is not None:
        return f"u:{row['user_id']}"
    if row["anonymous_id"] is not None:
        return f"a:{row['anonymous_id']}"
    return None


# Every rollup is kept per project: counts are exact per project, and a project's reads
# never touch another's rows.
PROJECT = Dimension("project_id", ("project_id",), Field("project_id"), "project_id",
                    Integer(), leads=True)
NAME = Dimension("name", ("name",), Field("name"), "name", String(100))
AGE_GROUP = Dimension("age_group", ("age_group",), FieldOrNoValue("age_group"),
                      f"COALESCE(age_group, '{NO_VALUE}')", String(8))
GENDER = Dimension("gender", ("gender",), FieldOrNoValue("gender"),
                   f"COALESCE(gender, '{NO_VALUE}')", String(16))
# "u:<user id>" or "a:<anonymous id>": exact unique counts across both kinds of visitor.
PERSON = Dimension(
    "person", ("user_id", "anonymous_id"), person_of,
    "CASE WHEN user_id IS NOT NULL THEN 'u:' || CAST(user_id AS VARCHAR(20)) "
    "WHEN anonymous_id IS NOT NULL THEN 'a:' || anonymous_id END",
    String(80), nullable=True)


class Measure(Enum):
    """What a rollup keeps per key."""

    EVENTS = "events"  # a count in an `events` column, added to by each batch
    PRESENCE = "presence"  # the key itself: who was active when (exact unique counts)


@dataclass(frozen=True)
class Rollup:
    """One rollup table: its time grain, its dimensions (in key order), its measure, and
    any secondary indexes (name, columns) its readers need.
    """

    table: str
    grain: Grain
    dimensions: tuple[Dimension, ...]
    measure: Measure = Measure.EVENTS
    indexes: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def key_parts(self) -> tuple["Grain | Dimension", ...]:
        """The key in order: the leading dimensions (the project), the grain, the rest."""
        leading = tuple(dimension for dimension in self.dimensions if dimension.leads)
        rest = tuple(dimension for dimension in self.dimensions if not dimension.leads)
        return (*leading, self.grain, *rest)

    @property
    def key_columns(self) -> tuple[str, ...]:
        """The primary key's columns, in key_parts order."""
        return tuple(part.column for part in self.key_parts)

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column written: the key, plus `events` for a count."""
        if self.measure is Measure.EVENTS:
            return (*self.key_columns, "events")
        return self.key_columns


# Anonymous events have no demographics: their rollup rows hold NO_VALUE, since primary-key
# columns cannot be NULL. The covering indexes let a feature's line, or the totals, be read
# from the index alone, with no lookup per row.
ROLLUPS: tuple[Rollup, ...] = (
    # Events per UTC day, feature, age group and gender.
    Rollup("rollup_daily", DAY, (PROJECT, NAME, AGE_GROUP, GENDER), indexes=(
        ("ix_rollup_daily_name_day",
         ("project_id", "name", "day", "age_group", "gender", "events")),)),
    # The same per UTC month (its first day): the middle of long ranges.
    Rollup("rollup_monthly", MONTH, (PROJECT, NAME, AGE_GROUP, GENDER)),
    # Events per UTC day, all features together (the trend line).
    Rollup("rollup_daily_totals", DAY, (PROJECT, AGE_GROUP, GENDER), indexes=(
        ("ix_rollup_daily_totals_covering",
         ("project_id", "day", "age_group", "gender", "events")),)),
    # Events per UTC hour, feature, age group and gender (range edges, feature trends).
    Rollup("rollup_hourly", HOUR, (PROJECT, NAME, AGE_GROUP, GENDER), indexes=(
        ("ix_rollup_hourly_name_hour",
         ("project_id", "name", "hour", "age_group", "gender", "events")),)),
    # Events per UTC hour, all features together.
    Rollup("rollup_hourly_totals", HOUR, (PROJECT, AGE_GROUP, GENDER), indexes=(
        ("ix_rollup_hourly_totals_covering",
         ("project_id", "hour", "age_group", "gender", "events")),)),
    # Events per UTC quarter hour, feature, age group and gender, and all features together:
    # lines in zones whose offset is not a whole hour (local hours, and the quarter hours of
    # a UTC day that fall on the neighbouring local day).
    Rollup("rollup_quarter_hourly", QUARTER_HOUR, (PROJECT, NAME, AGE_GROUP, GENDER),
           indexes=(
        ("ix_rollup_quarter_hourly_name_quarter_hour",
         ("project_id", "name", "quarter_hour", "age_group", "gender", "events")),)),
    Rollup("rollup_quarter_hourly_totals", QUARTER_HOUR, (PROJECT, AGE_GROUP, GENDER),
           indexes=(
        ("ix_rollup_quarter_hourly_totals_covering",
         ("project_id", "quarter_hour", "age_group", "gender", "events")),)),
    # Who was active on each UTC day, and in each month (a year's uniques read ~12x fewer rows).
    Rollup("rollup_daily_people", DAY, (PROJECT, PERSON, AGE_GROUP, GENDER), Measure.PRESENCE),
    Rollup("rollup_monthly_people", MONTH, (PROJECT, PERSON, AGE_GROUP, GENDER),
           Measure.PRESENCE),
)


def fields_read(rollups: tuple[Rollup, ...]) -> tuple[str, ...]:
    """The event fields the rollups' dimensions read, in a stable order."""
    fields: dict[str, None] = {}
    for rollup in rollups:
        for dimension in rollup.dimensions:
            fields.update(dict.fromkeys(dimension.reads))
    return tuple(fields)


def dimensions_of(rollups: tuple[Rollup, ...]) -> tuple[Dimension, ...]:
    """Every distinct dimension the rollups use."""
    found: dict[str, Dimension] = {}
    for rollup in rollups:
        for dimension in rollup.dimensions:
            found.setdefault(dimension.column, dimension)
    return tuple(found.values())


def grains_of(rollups: tuple[Rollup, ...]) -> tuple[Grain, ...]:
    """Every distinct grain the rollups use, finest first."""
    return tuple(sorted({rollup.grain.column: rollup.grain for rollup in rollups}.values(),
                        key=lambda grain: grain.order))
