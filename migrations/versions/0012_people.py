"""people and their distinct ids (identify, aliases, traits); a Plausible site domain per
ingestion key; public sharing per project; events indexed by project and anonymous id

Revision ID: 0012_people
Revises: 0011_web_analytics
Create Date: 2026-12-04

Nothing existing changes: the new tables start empty, the new key column is NULL, and no
project is public. The
events index is built over every stored event (on SQLite about half a minute per ten
million events).
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0012_people"
down_revision = "0011_web_analytics"
branch_labels = None
depends_on = None


def upgrade():
    json_type = sa.JSON().with_variant(JSONB(), "postgresql")
    big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "people",
        sa.Column("id", big_id, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("traits", json_type, nullable=False),
        sa.Column("age_group", sa.String(length=8), nullable=True),
        sa.Column("gender", sa.String(length=16), nullable=True),
        sa.Column("is_identified", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_people_project_id", "people", ["project_id"])
    op.create_table(
        "person_distinct_ids",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("distinct_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", big_id, nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("project_id", "distinct_id"),
    )
    op.create_index("ix_person_distinct_ids_person_id", "person_distinct_ids", ["person_id"])
    # Plain ADD COLUMN (SQLite cannot add a UNIQUE column), then a unique index.
    op.add_column("ingest_keys", sa.Column("site_domain", sa.String(length=253), nullable=True))
    op.create_index("ix_ingest_keys_site_domain", "ingest_keys", ["site_domain"], unique=True)
    op.create_index("ix_events_project_anonymous_id", "events", ["project_id", "anonymous_id"])
    op.add_column("projects", sa.Column("public_sharing", sa.Boolean(), nullable=False,
                                        server_default=sa.false()))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy of projects would cascade-delete the
    # rows that reference it.
    op.drop_column("projects", "public_sharing")
    op.drop_index("ix_events_project_anonymous_id", table_name="events")
    op.drop_index("ix_ingest_keys_site_domain", table_name="ingest_keys")
    op.drop_column("ingest_keys", "site_domain")
    op.drop_index("ix_person_distinct_ids_person_id", table_name="person_distinct_ids")
    op.drop_table("person_distinct_ids")
    op.drop_index("ix_people_project_id", table_name="people")
    op.drop_table("people")
