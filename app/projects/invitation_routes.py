"""Invitations and the registration mode: thin views over app.projects.invitations.

Looking up and accepting an invitation by its token are limited per client address like
the sign-in endpoints, so tokens cannot be guessed cheaply (they hold 256 random bits).
"""

from collections.abc import Callable

from flask import current_app
from flask_jwt_extended import jwt_required

from app.blueprint import ApiBlueprint
from app.extensions import limiter
from app.projects import invitations, schemas
from app.projects.routes import FAILURES, caller_id, session_endpoint

invitations_bp = ApiBlueprint("invitations", __name__, url_prefix="/api/v1",
                              description="Invitations to a project, and who may register.")


def per_ip_limit() -> str:
    """Requests per client address on endpoints that take a token in the path or a header."""
    return current_app.config["AUTH_RATE_LIMIT_PER_IP"]


def limited_per_address(blueprint: ApiBlueprint) -> Callable[[Callable], Callable]:
    """Apply the per-address limit to a view taking a secret token, documenting its 429."""

    def decorate(view: Callable) -> Callable:
        limited = limiter.limit(per_ip_limit)(view)
        return blueprint.alt_response(429, description="Too many attempts from this "
                                                       "address")(limited)

    return decorate


@session_endpoint(invitations_bp, "/projects/<slug:slug>/invitations", "POST", 400, 403, 404)
@invitations_bp.arguments(schemas.InvitationCreateSchema())
@invitations_bp.response(201, schemas.CreatedInvitationSchema)
def create_invitation(payload: dict, slug: str):
    """Invite someone with a role (admins). The token is shown only in this answer."""
    return invitations.create_invitation(caller_id(), slug, **payload)


@session_endpoint(invitations_bp, "/projects/<slug:slug>/invitations", "GET", 403, 404)
@invitations_bp.response(200, schemas.InvitationListSchema)
def list_invitations(slug: str):
    """The project's invitations with their status, newest first (admins)."""
    return invitations.list_invitations(caller_id(), slug)


@session_endpoint(invitations_bp, "/projects/<slug:slug>/invitations/<int:invitation_id>",
                  "DELETE", 403, 404)
@invitations_bp.response(204)
def revoke_invitation(slug: str, invitation_id: int):
    """Revoke an invitation (admins): it cannot be accepted any more."""
    invitations.revoke_invitation(caller_id(), slug, invitation_id)


@invitations_bp.route("/invitations/<secret:token>", methods=["GET"])
@limited_per_address(invitations_bp)
@invitations_bp.response(200, schemas.InvitationPreviewSchema)
@invitations_bp.alt_response(404, description="Unknown, used, revoked or expired")
def preview_invitation(token: str):
    """What an invitation offers (no sign-in needed): the project and the role."""
    return invitations.preview_invitation(token)


@invitations_bp.route("/invitations/<secret:token>/accept", methods=["POST"])
@limited_per_address(invitations_bp)
@jwt_required()
@invitations_bp.response(200, schemas.ProjectSchema)
@invitations_bp.alt_response(401, description=FAILURES[401])
@invitations_bp.alt_response(404, description="Unknown, used, revoked or expired")
def accept_invitation(token: str):
    """Join the invitation's project with its role. A member keeps their role, and the
    invitation stays unused.
    """
    return invitations.accept_invitation(caller_id(), token)


@invitations_bp.route("/registration", methods=["GET"])
@invitations_bp.response(200, schemas.RegistrationSchema)
def registration():
    """Who may register (REGISTRATION), and whether the instance has no account yet."""
    return invitations.registration_status()
