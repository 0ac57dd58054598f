"""projects, members, invitations, share links and read-only API tokens; every event,
ingestion key and rollup row belongs to a project

Revision ID: 0010_projects
Revises: 0009_quarter_hour_rollups
Create Date: 2026-12-03

Existing installations upgrade in place: the built-in self-tracking project (slug
`ouroboard`) is created, every stored event and ingestion key moves into it, every existing
user becomes its member (a viewer), and the first user its owner and the instance admin.
The rollups are migrated, not recounted: each row is copied into a table whose key starts
with the project. On SQLite that is a copy of each rollup table; on Postgres the key is
rebuilt in place.
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_projects"
down_revision = "0009_quarter_hour_rollups"
branch_labels = None
depends_on = None

# Each rollup table as it stood at 0009: (table, key columns after the grain's, measure
# column or None, covering index (name, columns) or None). A migration keeps its own copy
# of such facts: it must keep doing what it did, whatever the definition becomes.
COUNTED = ["age_group", "gender", "events"]
ROLLUPS_AT_0009 = [
    ("rollup_daily", ["day", "name", "age_group", "gender"], True,
     ("ix_rollup_daily_name_day", ["name", "day", *COUNTED])),
    ("rollup_monthly", ["month", "name", "age_group", "gender"], True, None),
    ("rollup_daily_totals", ["day", "age_group", "gender"], True,
     ("ix_rollup_daily_totals_covering", ["day", *COUNTED])),
    ("rollup_hourly", ["hour", "name", "age_group", "gender"], True,
     ("ix_rollup_hourly_name_hour", ["name", "hour", *COUNTED])),
    ("rollup_hourly_totals", ["hour", "age_group", "gender"], True,
     ("ix_rollup_hourly_totals_covering", ["hour", *COUNTED])),
    ("rollup_quarter_hourly", ["quarter_hour", "name", "age_group", "gender"], True,
     ("ix_rollup_quarter_hourly_name_quarter_hour", ["name", "quarter_hour", *COUNTED])),
    ("rollup_quarter_hourly_totals", ["quarter_hour", "age_group", "gender"], True,
     ("ix_rollup_quarter_hourly_totals_covering", ["quarter_hour", *COUNTED])),
    ("rollup_daily_people", ["day", "person", "age_group", "gender"], False, None),
    ("rollup_monthly_people", ["month", "person", "age_group", "gender"], False, None),
]
COLUMN_TYPES = {
    "day": sa.Date(), "month": sa.Date(), "hour": sa.DateTime(timezone=True),
    "quarter_hour": sa.DateTime(timezone=True), "name": sa.String(length=100),
    "age_group": sa.String(length=8), "gender": sa.String(length=16),
    "person": sa.String(length=80), "events": sa.BigInteger(),
}


def upgrade():
    create_project_tables()
    project_id = create_self_tracking_project()
    adopt_users(project_id)
    move_events(project_id)
    move_ingest_keys(project_id)
    for table, key, counted, index in ROLLUPS_AT_0009:
        rekey_rollup(table, key, counted, index, project_id)


def create_project_tables():
    """The tables of projects and of who may read them."""
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=48), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("slug", name=op.f("uq_projects_slug")),
    )
    op.create_table(
        "memberships",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('owner', 'admin', 'viewer')",
                           name=op.f("ck_memberships_role_allowed")),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE",
                                name=op.f("fk_memberships_project_id_projects")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_memberships_user_id_users")),
        sa.PrimaryKeyConstraint("project_id", "user_id", name=op.f("pk_memberships")),
    )
    op.create_index("ix_memberships_user_id", "memberships", ["user_id"])
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('admin', 'viewer')",
                           name=op.f("ck_invitations_invited_role_allowed")),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE",
                                name=op.f("fk_invitations_project_id_projects")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_invitations_created_by_users")),
        sa.ForeignKeyConstraint(["accepted_by"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_invitations_accepted_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitations_token_hash")),
    )
    op.create_index("ix_invitations_project_id", "invitations", ["project_id"])
    op.create_table(
        "share_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("token_prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE",
                                name=op.f("fk_share_links_project_id_projects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_share_links_token_hash")),
    )
    op.create_index("ix_share_links_project_id", "share_links", ["project_id"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("token_prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_api_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    op.create_table(
        "api_token_projects",
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["token_id"], ["api_tokens.id"], ondelete="CASCADE",
                                name=op.f("fk_api_token_projects_token_id_api_tokens")),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE",
                                name=op.f("fk_api_token_projects_project_id_projects")),
        sa.PrimaryKeyConstraint("token_id", "project_id", name=op.f("pk_api_token_projects")),
    )
    op.create_index("ix_api_token_projects_project_id", "api_token_projects", ["project_id"])


def create_self_tracking_project() -> int:
    """The built-in project that records the dashboard's own use; its id."""
    bind = op.get_bind()
    projects = sa.table("projects", sa.column("slug"), sa.column("name"),
                        sa.column("timezone"), sa.column("created_at"))
    # A UTC text in the stored format on SQLite (CURRENT_TIMESTAMP is UTC there too).
    op.execute(projects.insert().values(slug="ouroboard", name="Ouroboard", timezone="UTC",
                                        created_at=sa.func.current_timestamp()))
    return bind.execute(sa.text("SELECT id FROM projects WHERE slug = 'ouroboard'")).scalar_one()


def adopt_users(project_id: int):
    """Every existing user joins the self-tracking project; the first one owns it."""
    op.add_column("users", sa.Column("is_instance_admin", sa.Boolean(),
                                     server_default=sa.false(), nullable=False))
    bind = op.get_bind()
    bind.execute(sa.text(
        "INSERT INTO memberships (project_id, user_id, role, created_at) "
        "SELECT :project, id, CASE WHEN id = (SELECT MIN(id) FROM users) THEN 'owner' "
        "ELSE 'viewer' END, CURRENT_TIMESTAMP FROM users"), {"project": project_id})
    bind.execute(sa.text("UPDATE users SET is_instance_admin = :yes "
                         "WHERE id = (SELECT MIN(id) FROM users)"), {"yes": True})
    # One instance admin at most: of registrations racing on an empty instance, one wins.
    op.create_index("uq_users_instance_admin", "users", ["is_instance_admin"], unique=True,
                    sqlite_where=sa.text("is_instance_admin"),
                    postgresql_where=sa.text("is_instance_admin"))


def move_events(project_id: int):
    """Every stored event belongs to the self-tracking project. Adding a column with a
    constant default rewrites no row, on SQLite or Postgres; the indexes lead with it.
    """
    op.add_column("events", sa.Column("project_id", sa.Integer(), nullable=False,
                                      server_default=str(project_id)))
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("events", "project_id", server_default=None)
    op.drop_index("ix_events_name_occurred_at", table_name="events")
    op.drop_index("ix_events_occurred_at", table_name="events")
    op.create_index("ix_events_project_occurred_at", "events", ["project_id", "occurred_at"])
    op.create_index("ix_events_project_name_occurred_at", "events",
                    ["project_id", "name", "occurred_at"])


def move_ingest_keys(project_id: int):
    """Every ingestion key sends to the self-tracking project; names are unique per project."""
    with op.batch_alter_table("ingest_keys") as batch:
        batch.add_column(sa.Column("project_id", sa.Integer(), nullable=False,
                                   server_default=str(project_id)))
        batch.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
        batch.drop_constraint("uq_ingest_keys_name", type_="unique")
        batch.create_unique_constraint("uq_ingest_keys_project_id", ["project_id", "name"])
        batch.create_foreign_key("fk_ingest_keys_project_id_projects", "projects",
                                 ["project_id"], ["id"], ondelete="CASCADE")
    with op.batch_alter_table("ingest_keys") as batch:
        batch.alter_column("project_id", server_default=None)
    op.create_index("ix_ingest_keys_project_id", "ingest_keys", ["project_id"])


def rekey_rollup(table: str, key: list[str], counted: bool, index, project_id: int):
    """Put the project first in a rollup's key, keeping every row (all the self-tracking
    project's), and lead its covering index with the project too.
    """
    if index:
        op.drop_index(index[0], table_name=table)
    columns = [*key, "events"] if counted else key
    if op.get_bind().dialect.name == "postgresql":
        op.add_column(table, sa.Column("project_id", sa.Integer(), nullable=False,
                                       server_default=str(project_id)))
        op.alter_column(table, "project_id", server_default=None)
        op.drop_constraint(f"pk_{table}", table, type_="primary")
        op.create_primary_key(f"pk_{table}", table, ["project_id", *key])
    else:
        # SQLite cannot change a primary key: copy into a new table, in key order.
        op.rename_table(table, f"{table}_0009")
        op.create_table(
            table,
            sa.Column("project_id", sa.Integer(), nullable=False),
            *(sa.Column(column, COLUMN_TYPES[column], nullable=False) for column in columns),
            sa.PrimaryKeyConstraint("project_id", *key, name=f"pk_{table}"),
        )
        listed = ", ".join(columns)
        op.get_bind().execute(sa.text(
            f"INSERT INTO {table} (project_id, {listed}) "  # noqa: S608 - constants
            f"SELECT :project, {listed} FROM {table}_0009 ORDER BY {', '.join(key)}"),
            {"project": project_id})
        op.drop_table(f"{table}_0009")
    if index:
        op.create_index(index[0], table, ["project_id", *index[1]])


def downgrade():
    """Back to one pool of data: possible only while the self-tracking project is the only
    one (folding projects together would mix their counts for good).
    """
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT COUNT(*) FROM projects")).scalar() > 1:
        raise RuntimeError("0010_projects: more than one project exists; restore a backup "
                           "taken before the upgrade instead")
    for table, key, counted, index in ROLLUPS_AT_0009:
        unkey_rollup(table, key, counted, index)
    op.drop_index("ix_ingest_keys_project_id", table_name="ingest_keys")
    with op.batch_alter_table("ingest_keys") as batch:
        batch.drop_constraint("fk_ingest_keys_project_id_projects", type_="foreignkey")
        batch.drop_constraint("uq_ingest_keys_project_id", type_="unique")
        batch.create_unique_constraint("uq_ingest_keys_name", ["name"])
        batch.drop_column("last_used_at")
        batch.drop_column("project_id")
    op.drop_index("ix_events_project_name_occurred_at", table_name="events")
    op.drop_index("ix_events_project_occurred_at", table_name="events")
    op.create_index("ix_events_occurred_at", "events", ["occurred_at"])
    op.create_index("ix_events_name_occurred_at", "events", ["name", "occurred_at"])
    op.drop_column("events", "project_id")
    op.drop_index("uq_users_instance_admin", table_name="users")
    op.drop_column("users", "is_instance_admin")
    for table in ("api_token_projects", "api_tokens", "share_links", "invitations",
                  "memberships", "projects"):
        op.drop_table(table)


def unkey_rollup(table: str, key: list[str], counted: bool, index):
    """The rollup keyed as at 0009 again (its rows all belong to the one project)."""
    if index:
        op.drop_index(index[0], table_name=table)
    columns = [*key, "events"] if counted else key
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(f"pk_{table}", table, type_="primary")
        op.drop_column(table, "project_id")
        op.create_primary_key(f"pk_{table}", table, key)
    else:
        op.rename_table(table, f"{table}_0010")
        op.create_table(
            table,
            *(sa.Column(column, COLUMN_TYPES[column], nullable=False) for column in columns),
            sa.PrimaryKeyConstraint(*key, name=f"pk_{table}"),
        )
        listed = ", ".join(columns)
        op.execute(f"INSERT INTO {table} ({listed}) "  # noqa: S608 - constants
                   f"SELECT {listed} FROM {table}_0010")
        op.drop_table(f"{table}_0010")
    if index:
        op.create_index(index[0], table, index[1])
