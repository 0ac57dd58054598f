"""drop the events table's user_id index

Revision ID: 0006_drop_events_user_id_index
Revises: 0005_covering_rollup_indexes
Create Date: 2026-12-02

Nothing reads events by user: analytics counts from the rollups and filters raw events by
time and feature, and recent events join users by the users' primary key. The index was
kept only for deleting a user (ON DELETE SET NULL), which no endpoint does; such a delete
now scans the table once. Every ingested event paid for it with a B-tree insert, and a
10 M-event bulk load with a rebuild of about 5 s.
"""
from alembic import op

revision = "0006_drop_events_user_id_index"
down_revision = "0005_covering_rollup_indexes"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_events_user_id", table_name="events")


def downgrade():
    op.create_index("ix_events_user_id", "events", ["user_id"])
