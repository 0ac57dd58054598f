"""Every SQL statement about invitations, share links and read-only API tokens (the
statements the access checks run per request stay in data.py).
"""

from datetime import datetime

from sqlalchemy import Row, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import (
    ApiToken,
    ApiTokenProject,
    Invitation,
    Membership,
    Project,
    ShareLink,
    User,
    utcnow,
)

# --- Invitations -----------------------------------------------------------------------------


def insert_invitation(invitation: Invitation) -> None:
    """Store a new invitation."""
    db.session.add(invitation)
    db.session.commit()


def project_invitations(project_id: int) -> list[Row]:
    """Every invitation of the project, newest first, with its creator's username."""
    creator = aliased(User)
    return list(db.session.execute(
        select(Invitation.id, Invitation.role, Invitation.created_at, Invitation.expires_at,
               Invitation.accepted_at, Invitation.revoked_at,
               creator.username.label("created_by"))
        .outerjoin(creator, creator.id == Invitation.created_by)
        .where(Invitation.project_id == project_id)
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())))


def revoke_invitation(project_id: int, invitation_id: int) -> bool:
    """Revoke the project's invitation unless it was used or revoked; False if there is none."""
    found = db.session.execute(select(Invitation.id).where(
        Invitation.project_id == project_id, Invitation.id == invitation_id)).first()
    if found is None:
        return False
    db.session.execute(update(Invitation).where(
        Invitation.id == invitation_id, Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None)).values(revoked_at=utcnow()))
    db.session.commit()
    return True


def open_invitation(token_hash: str, now: datetime) -> Row | None:
    """(id, role, expires_at, project_id, slug, name) of the unused, unrevoked, unexpired
    invitation with this hash.
    """
    return db.session.execute(
        select(Invitation.id, Invitation.role, Invitation.expires_at,
               Project.id.label("project_id"), Project.slug, Project.name)
        .join(Project, Project.id == Invitation.project_id)
        .where(Invitation.token_hash == token_hash, Invitation.accepted_at.is_(None),
               Invitation.revoked_at.is_(None), Invitation.expires_at > now)).first()


def accept_invitation(invitation_id: int, project_id: int, user_id: int, role: str,
                      now: datetime) -> bool:
    """Use the invitation and make the user a member, in one transaction; False when it was
    used, revoked or expired meanwhile (a second accept racing this one).
    """
    used = db.session.execute(update(Invitation).where(
        Invitation.id == invitation_id, Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None), Invitation.expires_at > now
    ).values(accepted_at=now, accepted_by=user_id))
    if used.rowcount != 1:
        db.session.rollback()
        return False
    db.session.add(Membership(project_id=project_id, user_id=user_id, role=role))
    try:
        db.session.commit()
    except IntegrityError:
        # The same person joined by another invitation at the same moment: they are a
        # member already, and this invitation stays open.
        db.session.rollback()
        return False
    return True


# --- Share links -----------------------------------------------------------------------------


def insert_share_link(link: ShareLink) -> None:
    """Store a new share link."""
    db.session.add(link)
    db.session.commit()


def active_share_links(project_id: int) -> list[Row]:
    """(id, prefix, created_at) of the project's unrevoked share links, newest first."""
    return list(db.session.execute(
        select(ShareLink.id, ShareLink.token_prefix.label("prefix"), ShareLink.created_at)
        .where(ShareLink.project_id == project_id, ShareLink.revoked_at.is_(None))
        .order_by(ShareLink.created_at.desc(), ShareLink.id.desc())))


def revoke_share_link(project_id: int, link_id: int) -> bool:
    """Revoke the project's share link (again is fine); False if the project has no such link."""
    found = db.session.execute(select(ShareLink.id).where(
        ShareLink.project_id == project_id, ShareLink.id == link_id)).first()
    if found is None:
        return False
    db.session.execute(update(ShareLink).where(
        ShareLink.id == link_id, ShareLink.revoked_at.is_(None)).values(revoked_at=utcnow()))
    db.session.commit()
    return True


# --- Read-only API tokens --------------------------------------------------------------------


def member_project_ids(user_id: int, slugs: list[str]) -> dict[str, int]:
    """{slug: id} of those of `slugs` whose project the user is a member of."""
    rows = db.session.execute(
        select(Project.slug, Project.id)
        .join(Membership, Membership.project_id == Project.id)
        .where(Membership.user_id == user_id, Project.slug.in_(slugs)))
    return {row.slug: row.id for row in rows}


def insert_api_token(token: ApiToken, project_ids: list[int]) -> None:
    """Store a new token and the projects it may read, in one transaction."""
    db.session.add(token)
    db.session.flush()
    db.session.add_all(ApiTokenProject(token_id=token.id, project_id=project_id)
                       for project_id in project_ids)
    db.session.commit()


def user_api_tokens(user_id: int) -> list[Row]:
    """(id, name, prefix, created_at, last_used_at) of the user's unrevoked tokens, newest
    first.
    """
    return list(db.session.execute(
        select(ApiToken.id, ApiToken.name, ApiToken.token_prefix.label("prefix"),
               ApiToken.created_at, ApiToken.last_used_at)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def token_project_slugs(token_ids: list[int]) -> dict[int, list[str]]:
    """{token id: slugs of the projects it is scoped to}, each list by project id."""
    slugs: dict[int, list[str]] = {token_id: [] for token_id in token_ids}
    rows = db.session.execute(
        select(ApiTokenProject.token_id, Project.slug)
        .join(Project, Project.id == ApiTokenProject.project_id)
        .where(ApiTokenProject.token_id.in_(token_ids))
        .order_by(ApiTokenProject.token_id, Project.id))
    for row in rows:
        slugs[row.token_id].append(row.slug)
    return slugs


def revoke_api_token(user_id: int, token_id: int) -> bool:
    """Revoke one of the user's tokens; False if they have no such unrevoked token."""
    revoked = db.session.execute(update(ApiToken).where(
        ApiToken.id == token_id, ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None)
    ).values(revoked_at=utcnow()))
    db.session.commit()
    return revoked.rowcount == 1
