"""covering indexes on the daily and hourly rollups

Revision ID: 0005_covering_rollup_indexes
Revises: 0004_monthly_daily_totals
Create Date: 2026-12-02

A trend line in a zone other than UTC reads about five hours a day from the hourly rollups
(the hours that fall on another local date). With indexes that hold the counts too, each of
those hours is one index read instead of an index read plus a table lookup per group: a
year's /analytics in New York time with one feature went from 45 to 30 ms at the median
(in-process, 10 M events, SQLite).
"""
from alembic import op

revision = "0005_covering_rollup_indexes"
down_revision = "0004_monthly_daily_totals"
branch_labels = None
depends_on = None

COUNTED = ["age_group", "gender", "events"]


def upgrade():
    op.drop_index("ix_rollup_daily_name_day", table_name="rollup_daily")
    op.create_index("ix_rollup_daily_name_day", "rollup_daily", ["name", "day", *COUNTED])
    op.drop_index("ix_rollup_hourly_name_hour", table_name="rollup_hourly")
    op.create_index("ix_rollup_hourly_name_hour", "rollup_hourly", ["name", "hour", *COUNTED])
    op.create_index("ix_rollup_daily_totals_covering", "rollup_daily_totals", ["day", *COUNTED])
    op.create_index("ix_rollup_hourly_totals_covering", "rollup_hourly_totals",
                    ["hour", *COUNTED])


def downgrade():
    op.drop_index("ix_rollup_hourly_totals_covering", table_name="rollup_hourly_totals")
    op.drop_index("ix_rollup_daily_totals_covering", table_name="rollup_daily_totals")
    op.drop_index("ix_rollup_hourly_name_hour", table_name="rollup_hourly")
    op.create_index("ix_rollup_hourly_name_hour", "rollup_hourly", ["name", "hour"])
    op.drop_index("ix_rollup_daily_name_day", table_name="rollup_daily")
    op.create_index("ix_rollup_daily_name_day", "rollup_daily", ["name", "day"])
