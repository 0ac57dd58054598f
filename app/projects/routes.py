"""Projects and members: thin views over app.projects.service.

Every endpoint here needs a session (a cookie with its CSRF header on writes, or a bearer
JWT): flask-jwt-extended's jwt_required refuses share links and API tokens, which only
read analytics.
"""

from collections.abc import Callable

from flask_jwt_extended import current_user, jwt_required

from app.blueprint import ApiBlueprint
from app.projects import schemas, service

projects_bp = ApiBlueprint("projects", __name__, url_prefix="/api/v1",
                           description="Projects, their settings and their members.")

# What each failure means on these endpoints, by status.
FAILURES = {
    400: "Invalid input",
    401: "Not signed in with a session (share links and API tokens do not manage projects)",
    403: "The caller's role in the project is too low",
    404: "No such project, or the caller is not a member",
    409: "The project's state forbids it (see the message)",
}


def session_endpoint(blueprint: ApiBlueprint, path: str, method: str, *failures: int
                     ) -> Callable[[Callable], Callable]:
    """Route `method path` for signed-in sessions, documenting 401 and the given failures."""

    def decorate(view: Callable) -> Callable:
        for status in (401, *failures):
            view = blueprint.alt_response(status, description=FAILURES[status])(view)
        return blueprint.route(path, methods=[method])(jwt_required()(view))

    return decorate


def caller_id() -> int:
    """The signed-in user's id."""
    return current_user.id


@session_endpoint(projects_bp, "/projects", "GET")
@projects_bp.response(200, schemas.ProjectListSchema)
def list_projects():
    """The caller's projects, the self-tracking project first."""
    return service.list_projects(caller_id())


@session_endpoint(projects_bp, "/projects", "POST", 400, 409)
@projects_bp.arguments(schemas.ProjectCreateSchema())
@projects_bp.response(201, schemas.ProjectSchema)
def create_project(payload: dict):
    """Create a project; the caller becomes its owner. A taken slug is a 409."""
    return service.create_project(caller_id(), **payload)


@session_endpoint(projects_bp, "/projects/<slug:slug>", "GET", 404)
@projects_bp.response(200, schemas.ProjectSchema)
def get_project(slug: str):
    """One of the caller's projects, with whether a share link is active."""
    return service.get_project(caller_id(), slug)


@session_endpoint(projects_bp, "/projects/<slug:slug>", "PATCH", 400, 403, 404)
@projects_bp.arguments(schemas.ProjectUpdateSchema())
@projects_bp.response(200, schemas.ProjectSchema)
def update_project(changes: dict, slug: str):
    """Rename the project, change its time zone or turn public sharing (tokenless reads of
    its analytics) on or off (admins and the owner).
    """
    return service.update_project(caller_id(), slug, changes)


@session_endpoint(projects_bp, "/projects/<slug:slug>", "DELETE", 403, 404, 409)
@projects_bp.response(204)
def delete_project(slug: str):
    """Delete the project with its events, rollups, keys, invitations and share links
    (the owner; the self-tracking project cannot be deleted).
    """
    service.delete_project(caller_id(), slug)


@session_endpoint(projects_bp, "/projects/<slug:slug>/transfer", "POST", 400, 403, 404, 409)
@projects_bp.arguments(schemas.TransferSchema())
@projects_bp.response(200, schemas.ProjectSchema)
def transfer_project(payload: dict, slug: str):
    """Make another member the owner (the owner); the caller becomes an admin."""
    return service.transfer_project(caller_id(), slug, payload["user_id"])


@session_endpoint(projects_bp, "/projects/<slug:slug>/leave", "POST", 404, 409)
@projects_bp.response(204)
def leave_project(slug: str):
    """End the caller's membership (the owner must transfer the project first)."""
    service.leave_project(caller_id(), slug)


@session_endpoint(projects_bp, "/projects/<slug:slug>/members", "GET", 403, 404)
@projects_bp.response(200, schemas.MemberListSchema)
def list_members(slug: str):
    """The project's members (admins and the owner)."""
    return service.list_members(caller_id(), slug)


@session_endpoint(projects_bp, "/projects/<slug:slug>/members/<int:user_id>", "PATCH",
                  400, 403, 404, 409)
@projects_bp.arguments(schemas.RoleChangeSchema())
@projects_bp.response(200, schemas.MemberSchema)
def change_member_role(payload: dict, slug: str, user_id: int):
    """Make a member an admin or a viewer (admins; the owner's role changes by transfer)."""
    return service.change_role(caller_id(), slug, user_id, payload["role"])


@session_endpoint(projects_bp, "/projects/<slug:slug>/members/<int:user_id>", "DELETE",
                  403, 404, 409)
@projects_bp.response(204)
def remove_member(slug: str, user_id: int):
    """Remove a member (admins; not the owner). Their access, API tokens included, ends now."""
    service.remove_member(caller_id(), slug, user_id)
