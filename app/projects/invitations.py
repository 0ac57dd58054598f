"""Invitations: single-use links with a role and an expiry; and the registration rule
(REGISTRATION=open|invite|closed), which app.auth.service asks before storing an account.
"""

import secrets
from datetime import datetime, timedelta

from flask import current_app

from app.models import Invitation, utcnow
from app.projects import credentials_data, data, service
from app.projects.access import hash_secret
from app.projects.errors import NotFoundError, RegistrationClosedError

INVITATION_PREFIX = "obi_"
TOKEN_RANDOM_BYTES = 32  # 256 bits: a fast hash of the token is enough to store
TOKEN_MAX_LENGTH = 128
INVALID_MESSAGE = "This invitation is unknown, used, revoked or expired"


def new_secret(prefix: str) -> str:
    """A fresh raw token: the prefix and 43 URL-safe characters."""
    return prefix + secrets.token_urlsafe(TOKEN_RANDOM_BYTES)


def create_invitation(user_id: int, slug: str, role: str, expires_in_days: int) -> dict:
    """Invite someone to the project with `role` (admins); the token is returned only here."""
    project = service.member_project(user_id, slug, "admin")
    token = new_secret(INVITATION_PREFIX)
    now = utcnow()
    invitation = Invitation(project_id=project.id, token_hash=hash_secret(token), role=role,
                            created_by=user_id, created_at=now,
                            expires_at=now + timedelta(days=expires_in_days))
    credentials_data.insert_invitation(invitation)
    return {"id": invitation.id, "role": role, "created_at": now,
            "expires_at": invitation.expires_at, "token": token,
            "accept_url": f"/invite/{token}"}


def status_of(row, now: datetime) -> str:
    """pending, accepted, revoked or expired."""
    if row.accepted_at is not None:
        return "accepted"
    if row.revoked_at is not None:
        return "revoked"
    return "expired" if row.expires_at <= now else "pending"


def list_invitations(user_id: int, slug: str) -> dict:
    """Every invitation of the project, newest first (admins)."""
    project = service.member_project(user_id, slug, "admin")
    now = utcnow()
    return {"invitations": [
        {"id": row.id, "role": row.role, "created_at": row.created_at,
         "expires_at": row.expires_at, "created_by": row.created_by,
         "status": status_of(row, now)}
        for row in credentials_data.project_invitations(project.id)]}


def revoke_invitation(user_id: int, slug: str, invitation_id: int) -> None:
    """Revoke an invitation (admins): it cannot be accepted from now on."""
    project = service.member_project(user_id, slug, "admin")
    if invitation_id > service.MAX_ID or not credentials_data.revoke_invitation(
            project.id, invitation_id):
        raise NotFoundError(f"No invitation {invitation_id} in {slug!r}")


def open_invitation(token: str):
    """The open invitation behind a raw token; NotFoundError if it cannot be accepted."""
    found = None
    if token.startswith(INVITATION_PREFIX) and len(token) <= TOKEN_MAX_LENGTH:
        found = credentials_data.open_invitation(hash_secret(token), utcnow())
    if found is None:
        raise NotFoundError(INVALID_MESSAGE)
    return found


def preview_invitation(token: str) -> dict:
    """What an open invitation offers: the project's name and slug, the role, the expiry."""
    found = open_invitation(token)
    return {"project": {"slug": found.slug, "name": found.name}, "role": found.role,
            "expires_at": found.expires_at}


def accept_invitation(user_id: int, token: str) -> dict:
    """Make the user a member with the invitation's role and use the invitation up.

    A member already keeps their role, and the invitation stays open for someone else.
    """
    found = open_invitation(token)
    if data.membership(user_id, found.slug) is None and not credentials_data.accept_invitation(
            found.id, found.project_id, user_id, found.role, utcnow()):
        if data.membership(user_id, found.slug) is None:
            raise NotFoundError(INVALID_MESSAGE)
    return service.get_project(user_id, found.slug)


# --- Registration ----------------------------------------------------------------------------


def registration_status() -> dict:
    """The registration mode, and whether no account exists yet."""
    return {"mode": current_app.config["REGISTRATION"], "first_account": data.is_first_account()}


def check_registration(invitation: str | None) -> None:
    """Raise unless REGISTRATION lets this request create an account.

    The first account may always register. "closed" refuses everyone else; "invite" wants
    an open invitation; an invitation that is given must be open in every mode (NotFoundError).
    """
    if data.is_first_account():
        return
    mode = current_app.config["REGISTRATION"]
    if mode == "closed":
        raise RegistrationClosedError("Registration is closed")
    if invitation is None and mode != "open":
        raise RegistrationClosedError("Registration needs an invitation")
    if invitation is not None:
        open_invitation(invitation)


def admit_registered(user_id: int, invitation: str | None) -> None:
    """Check REGISTRATION again once the account is stored, and use its invitation up.

    check_registration ran before the slow password hash, so several registrations can
    pass it at once: on an empty instance each saw "no account yet", and each saw the same
    open invitation. Decided here, after the insert, exactly one of them is the first
    account (the lowest id), and exactly one uses an invitation up (a conditional update).
    Raising makes app.auth remove the account again, so a race lost is a refusal.
    """
    if invitation is not None:
        accept_invitation(user_id, invitation)  # NotFoundError when it was used meanwhile
        return
    if current_app.config["REGISTRATION"] == "closed":
        raise RegistrationClosedError("Registration is closed")
    if current_app.config["REGISTRATION"] == "invite":
        raise RegistrationClosedError("Registration needs an invitation")
