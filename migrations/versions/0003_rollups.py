"""rollup tables, backfilled from existing events

Revision ID: 0003_rollups
Revises: 0002_events_and_ingest_keys
Create Date: 2026-11-22

"""
import sqlalchemy as sa
from alembic import op

revision = "0003_rollups"
down_revision = "0002_events_and_ingest_keys"
branch_labels = None
depends_on = None

def dimensions():
    """Fresh age_group and gender columns (a Column belongs to one table only)."""
    return [sa.Column("age_group", sa.String(length=8), nullable=False),
            sa.Column("gender", sa.String(length=16), nullable=False)]


def upgrade():
    op.create_table(
        "rollup_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        *dimensions(),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "name", "age_group", "gender", name=op.f("pk_rollup_daily")),
    )
    op.create_table(
        "rollup_hourly",
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        *dimensions(),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "name", "age_group", "gender",
                                name=op.f("pk_rollup_hourly")),
    )
    op.create_index("ix_rollup_hourly_name_hour", "rollup_hourly", ["name", "hour"])
    op.create_table(
        "rollup_hourly_totals",
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        *dimensions(),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "age_group", "gender",
                                name=op.f("pk_rollup_hourly_totals")),
    )
    op.create_table(
        "rollup_daily_people",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("person", sa.String(length=80), nullable=False),
        *dimensions(),
        sa.PrimaryKeyConstraint("day", "person", "age_group", "gender",
                                name=op.f("pk_rollup_daily_people")),
    )
    op.create_table(
        "rollup_monthly_people",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("person", sa.String(length=80), nullable=False),
        *dimensions(),
        sa.PrimaryKeyConstraint("month", "person", "age_group", "gender",
                                name=op.f("pk_rollup_monthly_people")),
    )
    backfill()


def backfill():
    """Count the events already stored, so upgraded databases answer from rollups at once."""
    if op.get_bind().dialect.name == "postgresql":
        day = "(occurred_at AT TIME ZONE 'UTC')::date"
        month = "date_trunc('month', occurred_at AT TIME ZONE 'UTC')::date"
        hour = "date_trunc('hour', occurred_at)"
    else:
        day = "date(occurred_at)"
        month = "date(occurred_at, 'start of month')"
        hour = "strftime('%Y-%m-%d %H:00:00.000000', occurred_at)"
    age_group, gender = "COALESCE(age_group, '-')", "COALESCE(gender, '-')"
    person = ("CASE WHEN user_id IS NOT NULL THEN 'u:' || CAST(user_id AS VARCHAR(20)) "
              "ELSE 'a:' || anonymous_id END")
    op.execute(f"INSERT INTO rollup_daily (day, name, age_group, gender, events) "
               f"SELECT {day}, name, {age_group}, {gender}, COUNT(*) FROM events "
               f"GROUP BY {day}, name, {age_group}, {gender}")
    op.execute(f"INSERT INTO rollup_hourly (hour, name, age_group, gender, events) "
               f"SELECT {hour}, name, {age_group}, {gender}, COUNT(*) FROM events "
               f"GROUP BY {hour}, name, {age_group}, {gender}")
    op.execute(f"INSERT INTO rollup_hourly_totals (hour, age_group, gender, events) "
               f"SELECT {hour}, {age_group}, {gender}, COUNT(*) FROM events "
               f"GROUP BY {hour}, {age_group}, {gender}")
    op.execute(f"INSERT INTO rollup_daily_people (day, person, age_group, gender) "
               f"SELECT DISTINCT {day}, {person}, {age_group}, {gender} FROM events "
               f"WHERE user_id IS NOT NULL OR anonymous_id IS NOT NULL")
    op.execute(f"INSERT INTO rollup_monthly_people (month, person, age_group, gender) "
               f"SELECT DISTINCT {month}, {person}, {age_group}, {gender} FROM events "
               f"WHERE user_id IS NOT NULL OR anonymous_id IS NOT NULL")


def downgrade():
    op.drop_table("rollup_monthly_people")
    op.drop_table("rollup_daily_people")
    op.drop_table("rollup_hourly_totals")
    op.drop_index("ix_rollup_hourly_name_hour", table_name="rollup_hourly")
    op.drop_table("rollup_hourly")
    op.drop_table("rollup_daily")
