"""The seeding domain's SQL: demo users and events, and the bulk loader's raw writes."""

import contextlib

from sqlalchemy import delete, func, select, text, update

from app.extensions import db
from app.models import GENDERS, Event, IngestKey, Membership, Project, User, age_group_for
from app.seeding.generator import BULK_EVENT_COLUMNS

# Secondary indexes are dropped during a bulk load and rebuilt once at the end: building an
# index over sorted data is far cheaper than maintaining it row by row.
SECONDARY_INDEXES = {
    "ix_events_project_occurred_at": "events (project_id, occurred_at)",
    "ix_events_project_name_occurred_at": "events (project_id, name, occurred_at)",
}
# Postgres checks the foreign key with one lookup per copied row and keeps the uuid
# constraint's index row by row; adding both back at the end checks every row in one pass.
POSTGRES_DEFERRED_CONSTRAINTS = {
    "uq_events_uuid": "UNIQUE (uuid)",
    "fk_events_user_id_users": "FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL",
}
SQLITE_INSERT_BULK_EVENT = (
    f"INSERT INTO events ({', '.join(BULK_EVENT_COLUMNS)}) "  # noqa: S608 - constants
    f"VALUES ({', '.join('?' * len(BULK_EVENT_COLUMNS))})")


def user_count() -> int:
    """How many accounts exist."""
    return db.session.execute(select(func.count(User.id))).scalar_one()


def event_count() -> int:
    """How many events are stored."""
    return db.session.execute(select(func.count(Event.id))).scalar_one()


def usernames() -> set[str]:
    """Every username, lower-cased."""
    return {name.lower() for name in db.session.execute(select(User.username)).scalars()}


def add_users(profiles: list[tuple[str, int, str]], password_hash: str) -> None:
    """Create users from (username, age, gender) with one shared password hash; commit."""
    for username, age, gender in profiles:
        db.session.add(User(username=username, password_hash=password_hash, age=age,
                            gender=gender))
    db.session.commit()


def users_named(names: list[str]) -> list[User]:
    """The users with these exact names."""
    return list(db.session.execute(select(User).where(User.username.in_(names))).scalars())


def events_with_session_prefix_exist(prefix: str) -> bool:
    """True when some event's session id starts with `prefix` (the demo's mark)."""
    query = select(Event.id).where(Event.session_id.like(f"{prefix}%")).limit(1)
    return db.session.execute(query).first() is not None


def delete_demo_data(session_prefix: str, names: list[str]) -> None:
    """Delete the events whose session id starts with `session_prefix`, and these users.

    No commit, and the rollups still count the deleted events: rebuild them in the same
    transaction.
    """
    db.session.execute(delete(Event).where(Event.session_id.like(f"{session_prefix}%")))
    db.session.execute(delete(User).where(User.username.in_(names)))


def key_named_exists(name: str) -> bool:
    """True when an ingestion key with this name exists (revoked or not)."""
    return db.session.execute(select(IngestKey.id).where(IngestKey.name == name)).first() \
        is not None


def ensure_bulk_users(count: int, password_hash: str, rng) -> list[tuple]:
    """user1..userN (created when missing); returns (id, age_group, gender) per user."""
    existing = {user.username: user for user in db.session.execute(select(User)).scalars()}
    for index in range(1, count + 1):
        name = f"user{index}"
        if name not in existing:
            user = User(username=name, password_hash=password_hash,
                        age=rng.randint(13, 75), gender=rng.choice(GENDERS))
            db.session.add(user)
            existing[name] = user
    db.session.commit()
    return [(existing[f"user{index}"].id, age_group_for(existing[f"user{index}"].age),
             existing[f"user{index}"].gender) for index in range(1, count + 1)]


def ensure_projects(slugs: list[str]) -> list[int]:
    """The ids of the projects with these slugs, in order, creating the missing ones (named
    after their slug, reporting in UTC); commits.
    """
    found = dict(db.session.execute(select(Project.slug, Project.id)
                                    .where(Project.slug.in_(slugs))).all())
    for slug in slugs:
        if slug not in found:
            project = Project(slug=slug, name=slug, timezone="UTC")
            db.session.add(project)
            db.session.flush()
            found[slug] = project.id
    db.session.commit()
    return [found[slug] for slug in slugs]


def ensure_memberships(project_ids: list[int], user_ids: list[int], owner_id: int | None) -> None:
    """Make every user a member of every project (`owner_id` the owner, the rest viewers),
    leaving existing memberships as they are; commits.
    """
    existing = set(db.session.execute(
        select(Membership.project_id, Membership.user_id)
        .where(Membership.project_id.in_(project_ids))).all())
    db.session.add_all(
        Membership(project_id=project_id, user_id=user_id,
                   role="owner" if user_id == owner_id else "viewer")
        for project_id in project_ids for user_id in user_ids
        if (project_id, user_id) not in existing)
    db.session.commit()


def tune_session_for_bulk(dialect: str) -> None:
    """Session settings for a benchmark load, which is re-run, not recovered, after a crash."""
    if dialect == "sqlite":
        # The user ids come from the users table just read, so the per-row foreign-key
        # lookup proves nothing. The index builds ran fastest with SQLite's small default
        # page cache (10M rows: 30 s, against 40 s with our usual 32 MiB and 67 s with 1 GiB).
        for pragma in ("synchronous = OFF", "foreign_keys = OFF", "cache_size = -2000"):
            db.session.execute(text(f"PRAGMA {pragma}"))
    else:
        # Skip the WAL flush per commit, and give the index rebuilds memory to sort in.
        db.session.execute(text("SET synchronous_commit = off"))
        db.session.execute(text("SET maintenance_work_mem = '1GB'"))


def write_events(dialect: str, payload) -> None:
    """Write one generated day: executemany of tuples on SQLite, COPY text on Postgres."""
    connection = db.session.connection().connection.driver_connection
    if dialect == "sqlite":
        connection.executemany(SQLITE_INSERT_BULK_EVENT, payload)
        return
    cursor = connection.cursor()
    with cursor.copy(f"COPY events ({', '.join(BULK_EVENT_COLUMNS)}) FROM STDIN") as copy:
        copy.write(payload)


@contextlib.contextmanager
def checks_deferred(dialect: str):
    """Drop the events table's secondary indexes (and on Postgres its uuid and user
    constraints), and always put them back. Meant for a database nobody else writes to:
    while the uuid constraint is gone, ingestion's ON CONFLICT (uuid) cannot run.
    """
    constraints = POSTGRES_DEFERRED_CONSTRAINTS if dialect == "postgresql" else {}
    for name in SECONDARY_INDEXES:
        db.session.execute(text(f"DROP INDEX IF EXISTS {name}"))
    for name in constraints:
        db.session.execute(text(f"ALTER TABLE events DROP CONSTRAINT IF EXISTS {name}"))
    db.session.commit()
    try:
        yield
    finally:
        db.session.rollback()
        for name, target in SECONDARY_INDEXES.items():
            db.session.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON {target}"))
        for name, definition in constraints.items():
            db.session.execute(text(f"ALTER TABLE events ADD CONSTRAINT {name} {definition}"))
        db.session.commit()


def vacuum_analyze() -> None:
    """Fresh statistics and visibility map on Postgres, outside any transaction."""
    db.session.remove()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


def project_has_owner(project_id: int) -> bool:
    """Whether the project has an owner already."""
    return db.session.execute(select(Membership.user_id).where(
        Membership.project_id == project_id, Membership.role == "owner").limit(1)).first() \
        is not None


def make_instance_admin(user_id: int) -> None:
    """Mark the user as the instance admin; commits."""
    db.session.execute(update(User).where(User.id == user_id).values(is_instance_admin=True))
    db.session.commit()


def instance_admin_exists() -> bool:
    """Whether some account is the instance admin."""
    return db.session.execute(
        select(User.id).where(User.is_instance_admin).limit(1)).first() is not None
