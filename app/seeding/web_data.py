"""The web demo's SQL: its project, its owner, and its events, visits and web rollups."""

from sqlalchemy import delete, select

from app.extensions import db
from app.models import Event, Membership, Project, Visit
from app.web.tables import visitor_day_pairs, visitor_days, web_daily, web_monthly


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
    """Delete the project's events, visits, web rollups and visitor days. No commit; the
    event rollups still count the deleted events: rebuild them in the same transaction.
    """
    db.session.execute(delete(Event).where(Event.project_id == project_id))
    db.session.execute(delete(Visit).where(Visit.project_id == project_id))
    for table in (web_daily, web_monthly, visitor_days, visitor_day_pairs):
        db.session.execute(delete(table).where(table.c.project_id == project_id))
