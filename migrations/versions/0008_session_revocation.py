"""revoked sessions

Revision ID: 0008_session_revocation
Revises: 0007_import_keys
Create Date: 2026-12-03

Signing out revokes the session's token id until the token would have expired anyway (the
database keeps the list when Redis is not configured). Signing out everywhere, and a password
change, revoke every session of the user issued before that moment.
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_session_revocation"
down_revision = "0007_import_keys"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "revoked_tokens",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_revoked_tokens")),
    )
    op.create_index("ix_revoked_tokens_expires_at", "revoked_tokens", ["expires_at"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("sessions_valid_after", sa.DateTime(timezone=True),
                                   nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("sessions_valid_after")
    op.drop_index("ix_revoked_tokens_expires_at", table_name="revoked_tokens")
    op.drop_table("revoked_tokens")
