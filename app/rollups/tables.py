"""The rollup tables as SQLAlchemy Core tables, made from app.rollups.definition and
registered in the application's metadata (so migrations' autogenerate and the drift test
see them). Readers use these; nothing else declares a rollup's columns.
"""

from sqlalchemy import BigInteger, Column, Index, MetaData, Table

from app.extensions import db
from app.rollups.definition import ROLLUPS, Measure, Rollup


def table_for(rollup: Rollup, metadata: MetaData) -> Table:
    """The table of one rollup: its key as the primary key, `events` for a count."""
    columns = [Column(part.column, part.column_type, primary_key=True)
               for part in rollup.key_parts]
    if rollup.measure is Measure.EVENTS:
        columns.append(Column("events", BigInteger, nullable=False))
    indexes = [Index(name, *columns) for name, columns in rollup.indexes]
    return Table(rollup.table, metadata, *columns, *indexes)


TABLES = {rollup.table: table_for(rollup, db.metadata) for rollup in ROLLUPS}
daily = TABLES["rollup_daily"]
monthly = TABLES["rollup_monthly"]
daily_totals = TABLES["rollup_daily_totals"]
hourly = TABLES["rollup_hourly"]
hourly_totals = TABLES["rollup_hourly_totals"]
daily_people = TABLES["rollup_daily_people"]
monthly_people = TABLES["rollup_monthly_people"]
quarter_hourly = TABLES["rollup_quarter_hourly"]
quarter_hourly_totals = TABLES["rollup_quarter_hourly_totals"]
