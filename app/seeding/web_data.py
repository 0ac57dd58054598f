"""The web demo's SQL: its project, its owner, and its events, visits and web rollups."""

import contextlib

from sqlalchemy import delete, select, text

from app.extensions import db
from app.models import Event, Membership, Person, PersonDistinctId, Project
from app.web.tables import WEB_TABLES


def ensure_project(slug: str, name: str, timezone: str) -> int:
    """The id of the project `slug`, created with this name and time zone if missing;
    commits.
    """
    found = db.session.execute(select(Project.id).where(Project.slug == slug)).scalar()
    if found is not None:
        return found
    project = Project(slug=slug, name=name, timezone=timezone)
    db.session.add(project)
    db.session.commit()
    return project.id


def project_id(slug: str) -> int | None:
    """The id of the project `slug`, if it exists."""
    return db.session.execute(select(Project.id).where(Project.slug == slug)).scalar()


def owner_of(project_id: int) -> int | None:
    """The user id of the project's (first) owner, if it has one."""
    return db.session.execute(
        select(Membership.user_id).where(Membership.project_id == project_id,
                                         Membership.role == "owner")
        .order_by(Membership.created_at, Membership.user_id).limit(1)).scalar()


def has_events(project_id: int) -> bool:
    """Whether the project holds any event."""
    return db.session.execute(
        select(Event.id).where(Event.project_id == project_id).limit(1)).first() is not None


def delete_web_data(project_id: int) -> None:
    """Delete the project's events, visits, web rollups and visitor tables. No commit; the
    event rollups still count the deleted events: rebuild them in the same transaction.
    """
    db.session.execute(delete(Event).where(Event.project_id == project_id))
    for model in (PersonDistinctId, Person):  # a person's ids before the person
        db.session.execute(delete(model).where(model.project_id == project_id))
    for name in WEB_TABLES:
        table = db.metadata.tables[name]
        db.session.execute(delete(table).where(table.c.project_id == project_id))


# The visits table's secondary indexes, dropped during a bulk load and built once after it.
VISIT_INDEXES = {
    "ix_visits_project_started_at": "visits (project_id, started_at)",
    "ix_visits_project_visitor_ended_at": "visits (project_id, visitor_id, ended_at)",
}


@contextlib.contextmanager
def visit_indexes_deferred():
    """Drop the visits table's secondary indexes, and always put them back."""
    for name in VISIT_INDEXES:
        db.session.execute(text(f"DROP INDEX IF EXISTS {name}"))
    db.session.commit()
    try:
        yield
    finally:
        db.session.rollback()
        for name, target in VISIT_INDEXES.items():
            db.session.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON {target}"))
        db.session.commit()


def write_rows(dialect: str, table: str, columns: tuple[str, ...], payload) -> None:
    """Bulk rows into `table` (a constant name): executemany of tuples on SQLite, COPY text
    on Postgres.
    """
    connection = db.session.connection().connection.driver_connection
    if dialect == "sqlite":
        connection.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - constants
            f"VALUES ({', '.join('?' * len(columns))})", payload)
        return
    with connection.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write(payload)
