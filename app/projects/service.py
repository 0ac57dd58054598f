"""Projects and their members: create, read, update, delete, transfer, leave, roles.

Every function takes the signed-in user's id and a slug, checks their membership and role
first (non-members get ProjectNotFoundError, never a hint that the project exists), and
returns plain dicts for the response schemas.
"""

import re
import secrets

from sqlalchemy import Row

from app.models import SELF_TRACKING_SLUG
from app.projects import data
from app.projects.access import ROLE_ORDER
from app.projects.errors import (
    ConflictError,
    NotFoundError,
    ProjectNotFoundError,
    RoleTooLowError,
)
from app.projects.purge import DELETED_SLUG_PREFIX, start_purge
from app.track import keys

SLUG_MIN, SLUG_MAX = 3, 48
# Ids in paths and bodies are 32-bit in the database: a larger one names nothing.
MAX_ID = 2**31 - 1


def member_project(user_id: int, slug: str, role: str = "viewer") -> Row:
    """The user's membership row of project `slug` if their role is at least `role`.

    Raise ProjectNotFoundError for a non-member, RoleTooLowError for a lower role.
    """
    found = data.membership(user_id, slug) if len(slug) <= SLUG_MAX else None
    if found is None:
        raise ProjectNotFoundError(f"No project {slug!r}")
    if ROLE_ORDER.index(found.role) > ROLE_ORDER.index(role):
        raise RoleTooLowError(f"This needs the {role} role in {slug!r}")
    return found


def project_answer(row: Row, with_sharing: bool = False) -> dict:
    """A project as the API shows it to a member."""
    answer = {"slug": row.slug, "name": row.name, "timezone": row.timezone, "role": row.role,
              "is_self_tracking": row.slug == SELF_TRACKING_SLUG,
              "public_sharing": row.public_sharing, "created_at": row.created_at}
    if with_sharing:
        answer["sharing"] = data.is_shared(row.id)
    return answer


def list_projects(user_id: int) -> dict:
    """The user's projects, the self-tracking project first."""
    return {"projects": [project_answer(row) for row in data.member_projects(user_id)]}


def get_project(user_id: int, slug: str) -> dict:
    """One of the user's projects, with whether it is shared."""
    return project_answer(member_project(user_id, slug), with_sharing=True)


def slug_from_name(name: str) -> str:
    """A free slug made of the name's letters and digits (lowercased, dashes between)."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:SLUG_MAX - 4].strip("-")
    if len(base) < SLUG_MIN:
        base = f"{base}-{secrets.token_hex(2)}".strip("-")
    taken = data.slugs_like(base)
    if base not in taken:
        return base
    return next(f"{base}-{number}" for number in range(2, len(taken) + 3)
                if f"{base}-{number}" not in taken)


def create_project(user_id: int, name: str, slug: str | None, timezone: str) -> dict:
    """Create a project owned by the user; ConflictError when the slug is taken."""
    slug = slug or slug_from_name(name)
    if not data.insert_project(slug, name, timezone, user_id):
        raise ConflictError(f"The slug {slug!r} is taken")
    return project_answer(data.membership(user_id, slug), with_sharing=True)


def update_project(user_id: int, slug: str, changes: dict) -> dict:
    """Rename the project, change its time zone or turn public sharing on or off (admins)."""
    project = member_project(user_id, slug, "admin")
    data.update_project(project.id, changes)
    return get_project(user_id, slug)


def delete_project(user_id: int, slug: str) -> None:
    """Delete the project and everything recorded in it (owners; never the built-in one)."""
    project = member_project(user_id, slug, "owner")
    if project.slug == SELF_TRACKING_SLUG:
        raise ConflictError("The self-tracking project cannot be deleted")
    data.delete_project(project.id, tombstone_slug=f"{DELETED_SLUG_PREFIX}{project.id}")
    keys.forget_verified_keys()  # this worker stops taking its keys at once; others in 10 s
    start_purge(project.id)


def transfer_project(user_id: int, slug: str, new_owner_id: int) -> dict:
    """Make another member the owner; the old owner becomes an admin."""
    project = member_project(user_id, slug, "owner")
    if new_owner_id == user_id:
        raise ConflictError("You already own this project")
    if new_owner_id > MAX_ID or data.project_member(project.id, new_owner_id) is None:
        raise NotFoundError(f"User {new_owner_id} is not a member of {slug!r}")
    data.set_roles(project.id, {new_owner_id: "owner", user_id: "admin"})
    return get_project(user_id, slug)


def leave_project(user_id: int, slug: str) -> None:
    """End the user's own membership; the only owner must transfer the project first."""
    project = member_project(user_id, slug)
    if project.role == "owner" and data.owner_count(project.id) <= 1:
        raise ConflictError("The owner cannot leave: transfer the project first")
    data.remove_member(project.id, user_id)


def member_answer(row: Row) -> dict:
    """A member as the API shows them."""
    return {"user_id": row.user_id, "username": row.username, "role": row.role,
            "joined_at": row.joined_at}


def list_members(user_id: int, slug: str) -> dict:
    """The project's members (admins)."""
    project = member_project(user_id, slug, "admin")
    return {"members": [member_answer(row) for row in data.project_members(project.id)]}


def changeable_member(project: Row, member_id: int) -> Row:
    """A member other than the owner; NotFoundError or ConflictError otherwise."""
    member = data.project_member(project.id, member_id) if member_id <= MAX_ID else None
    if member is None:
        raise NotFoundError(f"User {member_id} is not a member of {project.slug!r}")
    if member.role == "owner":
        raise ConflictError("The owner's role changes only by transferring the project")
    return member


def change_role(user_id: int, slug: str, member_id: int, role: str) -> dict:
    """Make a member an admin or a viewer (admins; never the owner, never to owner)."""
    project = member_project(user_id, slug, "admin")
    changeable_member(project, member_id)
    data.set_roles(project.id, {member_id: role})
    return member_answer(data.project_member(project.id, member_id))


def remove_member(user_id: int, slug: str, member_id: int) -> None:
    """Remove a member (admins; never the owner); their access ends with this request."""
    project = member_project(user_id, slug, "admin")
    changeable_member(project, member_id)
    data.remove_member(project.id, member_id)
