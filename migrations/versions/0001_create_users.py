"""create users

Revision ID: 0001_create_users
Revises:
Create Date: 2026-11-22

"""
import sqlalchemy as sa
from alembic import op

revision = "0001_create_users"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=32), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("age", sa.Integer(), nullable=False),
        sa.Column("gender", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("gender IN ('Male', 'Female', 'Other')",
                           name=op.f("ck_users_gender_allowed")),
        sa.CheckConstraint("age BETWEEN 1 AND 120", name=op.f("ck_users_age_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    # Autogenerate cannot see expression indexes; this one makes usernames case-insensitive.
    op.create_index("uq_users_username_lower", "users", [sa.text("lower(username)")], unique=True)


def downgrade():
    op.drop_index("uq_users_username_lower", table_name="users")
    op.drop_table("users")
