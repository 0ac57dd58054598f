"""ingestion keys marked for import

Revision ID: 0007_import_keys
Revises: 0006_drop_events_user_id_index
Create Date: 2026-12-03

Events older than a week rewrite charts people have already seen, so only a key created for
an import (`flask keys create --import`) may send them.
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_import_keys"
down_revision = "0006_drop_events_user_id_index"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ingest_keys") as batch:
        batch.add_column(sa.Column("allows_import", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("ingest_keys") as batch:
        batch.drop_column("allows_import")
