"""website analytics: visitor, visit, source, device and country columns on events; the
visits, web rollup, visitor-day and salt tables

Revision ID: 0011_web_analytics
Revises: 0010_projects
Create Date: 2026-12-03

Existing events keep NULL in the new columns (they predate enrichment) and count as
non-bots; the new tables start empty, so web figures begin with the events sent after
the upgrade.
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_web_analytics"
down_revision = "0010_projects"
branch_labels = None
depends_on = None

# The columns as they stand at 0011 (a migration keeps its own copy of such facts).
SOURCE_COLUMNS = [
    ("hostname", 255), ("referrer_domain", 255), ("channel", 32),
    ("utm_source", 200), ("utm_medium", 200), ("utm_campaign", 200), ("utm_term", 200),
    ("utm_content", 200), ("browser", 64), ("browser_version", 16), ("os", 64),
    ("device_type", 16), ("country", 2),
]
EVENT_COLUMNS = [("visitor_id", 80), ("visit_id", 80), ("pathname", 500), *SOURCE_COLUMNS]
MEASURES = ["visits", "pageviews", "bounces", "duration_seconds", "events"]


def upgrade():
    # Nullable columns (and one with a constant default): an instant ALTER TABLE ... ADD
    # COLUMN on both backends, whatever the size of events (no batch copy on SQLite).
    for name, length in EVENT_COLUMNS:
        op.add_column("events", sa.Column(name, sa.String(length=length), nullable=True))
    op.add_column("events", sa.Column("is_bot", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.create_table(
        "visits",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.String(length=80), nullable=False),
        sa.Column("visitor_id", sa.String(length=80), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entry_page", sa.String(length=500), nullable=True),
        sa.Column("exit_page", sa.String(length=500), nullable=True),
        sa.Column("pageviews", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.String(length=length), nullable=True)
          for name, length in SOURCE_COLUMNS),
        sa.PrimaryKeyConstraint("project_id", "visit_id"),
    )
    op.create_index("ix_visits_project_started_at", "visits", ["project_id", "started_at"])
    op.create_index("ix_visits_project_visitor_ended_at", "visits",
                    ["project_id", "visitor_id", "ended_at"])
    for table, period, period_type in (
            ("web_rollup_hourly", "hour", sa.DateTime(timezone=True)),
            ("web_rollup_daily", "day", sa.Date()), ("web_rollup_monthly", "month", sa.Date())):
        op.create_table(
            table,
            sa.Column("project_id", sa.Integer(), nullable=False),
            sa.Column(period, period_type, nullable=False),
            sa.Column("dimension", sa.String(length=24), nullable=False),
            sa.Column("value", sa.String(length=500), nullable=False),
            *(sa.Column(measure, sa.BigInteger(), nullable=False) for measure in MEASURES),
            sa.PrimaryKeyConstraint("project_id", period, "dimension", "value"),
        )
    op.create_table(
        "visitor_days",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.String(length=80), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("prev_day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "visitor_id", "day"),
    )
    op.create_index("ix_visitor_days_prev_day", "visitor_days",
                    ["project_id", "prev_day", "day", "visitor_id"])
    op.create_table(
        "visitor_hours",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("visitor_id", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "hour", "visitor_id"),
    )
    op.create_table(
        "visitor_day_pairs",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("prev_day", sa.Date(), nullable=False),
        sa.Column("visitors", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "day", "prev_day"),
    )
    op.create_table(
        "visit_salts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("salt", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )


def downgrade():
    for table in ("visit_salts", "visitor_day_pairs", "visitor_hours", "visitor_days",
                  "web_rollup_monthly", "web_rollup_daily", "web_rollup_hourly"):
        op.drop_table(table)
    op.drop_index("ix_visits_project_visitor_ended_at", table_name="visits")
    op.drop_index("ix_visits_project_started_at", table_name="visits")
    op.drop_table("visits")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("is_bot")
        for name, _length in reversed(EVENT_COLUMNS):
            batch.drop_column(name)
