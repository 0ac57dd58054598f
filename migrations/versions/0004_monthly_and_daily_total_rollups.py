"""monthly counts and daily totals, backfilled from rollup_daily

Revision ID: 0004_monthly_daily_totals
Revises: 0003_rollups
Create Date: 2026-11-22

A year of bars reads twelve monthly rows per feature and group instead of 365 daily ones,
and a year's trend line reads one row per day and group instead of 24 hourly ones.
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_monthly_daily_totals"
down_revision = "0003_rollups"
branch_labels = None
depends_on = None


def dimensions():
    """Fresh age_group and gender columns (a Column belongs to one table only)."""
    return [sa.Column("age_group", sa.String(length=8), nullable=False),
            sa.Column("gender", sa.String(length=16), nullable=False)]


def upgrade():
    op.create_table(
        "rollup_monthly",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        *dimensions(),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("month", "name", "age_group", "gender",
                                name=op.f("pk_rollup_monthly")),
    )
    op.create_table(
        "rollup_daily_totals",
        sa.Column("day", sa.Date(), nullable=False),
        *dimensions(),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "age_group", "gender", name=op.f("pk_rollup_daily_totals")),
    )
    # One feature's daily line reads its own days, not every feature's.
    op.create_index("ix_rollup_daily_name_day", "rollup_daily", ["name", "day"])
    if op.get_bind().dialect.name == "postgresql":
        month = "CAST(date_trunc('month', day) AS date)"
    else:
        month = "date(day, 'start of month')"
    op.execute(f"INSERT INTO rollup_monthly (month, name, age_group, gender, events) "
               f"SELECT {month}, name, age_group, gender, SUM(events) FROM rollup_daily "
               f"GROUP BY 1, 2, 3, 4")
    op.execute("INSERT INTO rollup_daily_totals (day, age_group, gender, events) "
               "SELECT day, age_group, gender, SUM(events) FROM rollup_daily GROUP BY 1, 2, 3")


def downgrade():
    op.drop_index("ix_rollup_daily_name_day", table_name="rollup_daily")
    op.drop_table("rollup_daily_totals")
    op.drop_table("rollup_monthly")
