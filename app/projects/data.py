"""Every SQL statement about projects, memberships, invitations, share links and tokens."""

from datetime import timedelta

from sqlalchemy import Row, case, delete, func, select, text, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    SELF_TRACKING_SLUG,
    ApiToken,
    ApiTokenProject,
    IngestKey,
    Invitation,
    Membership,
    Project,
    ShareLink,
    User,
    utcnow,
)
from app.rollups.definition import ROLLUPS
from app.web.tables import WEB_TABLES


def project_id_by_slug(slug: str) -> int | None:
    """The id of the project with this slug, if any."""
    return db.session.execute(select(Project.id).where(Project.slug == slug)).scalar()


def ensure_project(slug: str, name: str) -> int:
    """The id of the project with this slug, created (with `name`) if it does not exist."""
    found = project_id_by_slug(slug)
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            db.session.add(Project(slug=slug, name=name))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another worker created it first
    return project_id_by_slug(slug)


def member_project(user_id: int, slug: str | None) -> Row | None:
    """(id, slug, name, timezone, role) of the project `slug` if the user is a member;
    with no slug, of the self-tracking project if they are a member, else their first.
    """
    query = (select(Project.id, Project.slug, Project.name, Project.timezone, Membership.role)
             .join(Membership, Membership.project_id == Project.id)
             .where(Membership.user_id == user_id))
    if slug is not None:
        return db.session.execute(query.where(Project.slug == slug)).first()
    builtin_first = case((Project.slug == SELF_TRACKING_SLUG, 0), else_=1)
    return db.session.execute(query.order_by(builtin_first, Project.id).limit(1)).first()


def active_share_link_id(token_hash: str) -> int | None:
    """The id of the unrevoked share link with this hash, if any."""
    return db.session.execute(select(ShareLink.id).where(
        ShareLink.token_hash == token_hash, ShareLink.revoked_at.is_(None))).scalar()


def share_link_project(link_id: int, slug: str | None) -> Row | None:
    """(id, slug, name, timezone) of the share link's project, if `slug` names it or is None."""
    query = (select(Project.id, Project.slug, Project.name, Project.timezone)
             .join(ShareLink, ShareLink.project_id == Project.id)
             .where(ShareLink.id == link_id, ShareLink.revoked_at.is_(None)))
    if slug is not None:
        query = query.where(Project.slug == slug)
    return db.session.execute(query).first()


# A token's last use is written at most this often: scripts poll, and each write costs.
TOKEN_USE_PRECISION = timedelta(minutes=1)


def use_api_token(token_hash: str) -> tuple[int, int] | None:
    """(token id, its user's id) of the unrevoked token with this hash, noting its use."""
    row = db.session.execute(select(ApiToken.id, ApiToken.user_id, ApiToken.last_used_at).where(
        ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None))).first()
    if row is None:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= TOKEN_USE_PRECISION:
        db.session.execute(update(ApiToken).where(ApiToken.id == row.id)
                           .values(last_used_at=now))
        db.session.commit()
    return row.id, row.user_id


def token_project(token_id: int, slug: str | None) -> Row | None:
    """(id, slug, name, timezone) of a project the token may read: `slug`, else its first.

    The token's user must still be a member: a token reads no more than its owner may.
    """
    query = (select(Project.id, Project.slug, Project.name, Project.timezone)
             .join(ApiTokenProject, ApiTokenProject.project_id == Project.id)
             .join(ApiToken, ApiToken.id == ApiTokenProject.token_id)
             .join(Membership, (Membership.project_id == Project.id)
                   & (Membership.user_id == ApiToken.user_id))
             .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None)))
    if slug is not None:
        query = query.where(Project.slug == slug)
    return db.session.execute(query.order_by(Project.id).limit(1)).first()


def claim_instance_admin(user_id: int) -> bool:
    """Make the user the instance admin if it is the instance's first account; whether it
    did. Registrations racing on an empty instance may each see no earlier account (on
    Postgres an id is taken before its row is visible), but the unique index on the admin
    flag lets exactly one claim succeed.
    """
    try:
        # Postgres checks the unique index during the UPDATE itself (it waits for a racing
        # claim to commit, then refuses), SQLite at commit: both are inside the try.
        claimed = db.session.execute(
            update(User).where(User.id == user_id, ~select(User.id).where(User.id < user_id)
                               .exists()).values(is_instance_admin=True))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another registration claimed it first
        return False
    return claimed.rowcount == 1


def add_member(project_id: int, user_id: int, role: str) -> None:
    """Make the user a member of the project with `role` (no change if they are one)."""
    if db.session.get(Membership, (project_id, user_id)) is None:
        db.session.add(Membership(project_id=project_id, user_id=user_id, role=role))
    db.session.commit()


# --- Projects and members, for the management API -----------------------------------------

def is_first_account() -> bool:
    """Whether no account exists yet (the first one may always register)."""
    return db.session.execute(select(User.id).limit(1)).first() is None


def membership(user_id: int, slug: str) -> Row | None:
    """(id, slug, name, timezone, created_at, public_sharing, role) of the project `slug` if
    the user is a member of it.
    """
    return db.session.execute(
        select(Project.id, Project.slug, Project.name, Project.timezone, Project.created_at,
               Project.public_sharing, Membership.role)
        .join(Membership, Membership.project_id == Project.id)
        .where(Membership.user_id == user_id, Project.slug == slug)).first()


def member_projects(user_id: int) -> list[Row]:
    """The user's projects as membership() rows: the self-tracking project first, then by age."""
    builtin_first = case((Project.slug == SELF_TRACKING_SLUG, 0), else_=1)
    return list(db.session.execute(
        select(Project.id, Project.slug, Project.name, Project.timezone, Project.created_at,
               Project.public_sharing, Membership.role)
        .join(Membership, Membership.project_id == Project.id)
        .where(Membership.user_id == user_id)
        .order_by(builtin_first, Project.id)))


def is_shared(project_id: int) -> bool:
    """Whether the project has an unrevoked share link."""
    return db.session.execute(select(ShareLink.id).where(
        ShareLink.project_id == project_id, ShareLink.revoked_at.is_(None)).limit(1)
    ).first() is not None


def is_public(project_id: int) -> bool:
    """Whether an admin turned public sharing on: the project's analytics are then readable
    without any credential (a share link alone never makes a project public).
    """
    return bool(db.session.execute(
        select(Project.public_sharing).where(Project.id == project_id)).scalar())


def slugs_like(prefix: str) -> set[str]:
    """Every taken slug starting with `prefix` (to derive a free one)."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return set(db.session.execute(
        select(Project.slug).where(Project.slug.like(f"{escaped}%", escape="\\"))).scalars())


def insert_project(slug: str, name: str, timezone: str, owner_id: int) -> bool:
    """Store a project owned by `owner_id`; False when the slug is taken (also by a race)."""
    project = Project(slug=slug, name=name, timezone=timezone)
    db.session.add(project)
    try:
        db.session.flush()
        db.session.add(Membership(project_id=project.id, user_id=owner_id, role="owner"))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def update_project(project_id: int, changes: dict) -> None:
    """Store new values of the project's name, time zone and public sharing ({column: value})."""
    if changes:
        db.session.execute(update(Project).where(Project.id == project_id).values(**changes))
        db.session.commit()


def delete_project(project_id: int, tombstone_slug: str) -> None:
    """Delete the project's keys, invitations, share links, token scopes and memberships in
    one transaction, at once; its events and rollup rows are purged afterwards, in batches
    (purge_batch), since millions of them would hold the write lock for minutes.

    The project row stays as a tombstone under a slug no request can name: SQLite would
    otherwise hand its id to the next project (ids are max + 1), and whatever is keyed by
    project id (cached answers, a key another worker still remembers) would leak into it.
    """
    for model in (IngestKey, Invitation, ShareLink, ApiTokenProject, Membership):
        db.session.execute(delete(model).where(model.project_id == project_id))
    db.session.execute(update(Project).where(Project.id == project_id)
                       .values(slug=tombstone_slug, name="(deleted)"))
    db.session.commit()


def tombstoned_project_ids(prefix: str) -> list[int]:
    """The ids of deleted projects (their slugs start with `prefix`, which no slug may)."""
    return list(db.session.execute(
        select(Project.id).where(Project.slug.startswith(prefix, autoescape=True))).scalars())


def open_project_ids(project_ids: set[int], tombstone_prefix: str) -> set[int]:
    """Those of the ids whose project exists and is not deleted."""
    if not project_ids:
        return set()
    return set(db.session.execute(
        select(Project.id).where(Project.id.in_(sorted(project_ids)),
                                 ~Project.slug.startswith(tombstone_prefix, autoescape=True))
    ).scalars())


def purge_batch(project_id: int, batch_rows: int) -> int:
    """Delete at most `batch_rows` rows of the project from the events table, else from the
    first rollup table that still has some; commit; return how many went (0: none left).
    Rows are picked by their physical id (rowid on SQLite, ctid on Postgres): the rollup
    tables have no id column.
    """
    row_id = "ctid" if db.session.get_bind().dialect.name == "postgresql" else "rowid"
    # A person's ids before the person (their foreign key).
    tables = ("events", *(rollup.table for rollup in ROLLUPS), *WEB_TABLES,
              "person_distinct_ids", "people")
    for table in tables:
        deleted = db.session.execute(text(
            f"DELETE FROM {table} WHERE {row_id} IN (SELECT {row_id} FROM {table} "  # noqa: S608
            f"WHERE project_id = :project LIMIT :batch)"),  # table names from the definition
            {"project": project_id, "batch": batch_rows}).rowcount
        db.session.commit()
        if deleted:
            return deleted
    return 0


def project_members(project_id: int) -> list[Row]:
    """(user_id, username, role, joined_at) of every member: owner, admins, viewers, by name."""
    by_rank = case((Membership.role == "owner", 0), (Membership.role == "admin", 1), else_=2)
    return list(db.session.execute(
        select(Membership.user_id, User.username, Membership.role,
               Membership.created_at.label("joined_at"))
        .join(User, User.id == Membership.user_id)
        .where(Membership.project_id == project_id)
        .order_by(by_rank, func.lower(User.username))))


def project_member(project_id: int, user_id: int) -> Row | None:
    """One member as project_members() lists them, or None."""
    return db.session.execute(
        select(Membership.user_id, User.username, Membership.role,
               Membership.created_at.label("joined_at"))
        .join(User, User.id == Membership.user_id)
        .where(Membership.project_id == project_id, Membership.user_id == user_id)).first()


def set_roles(project_id: int, roles: dict[int, str]) -> None:
    """Give members new roles ({user_id: role}) in one transaction; a member who becomes a
    viewer loses the open invitations they made as an admin.
    """
    for user_id, role in roles.items():
        db.session.execute(update(Membership).where(
            Membership.project_id == project_id, Membership.user_id == user_id
        ).values(role=role))
        if role == "viewer":
            revoke_invitations_made_by(project_id, user_id)
    db.session.commit()


def revoke_invitations_made_by(project_id: int, user_id: int) -> None:
    """Revoke the open invitations the user made to the project (no commit): someone who
    loses the admin role must not come back through a link of their own.
    """
    db.session.execute(update(Invitation).where(
        Invitation.project_id == project_id, Invitation.created_by == user_id,
        Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None)
    ).values(revoked_at=utcnow()))


def remove_member(project_id: int, user_id: int) -> None:
    """End a membership, and with it the project's place in the user's API tokens (a token
    of a member invited again later does not regain the project by itself) and the open
    invitations they made.
    """
    revoke_invitations_made_by(project_id, user_id)
    token_ids = select(ApiToken.id).where(ApiToken.user_id == user_id).scalar_subquery()
    db.session.execute(delete(ApiTokenProject).where(
        ApiTokenProject.project_id == project_id, ApiTokenProject.token_id.in_(token_ids)))
    db.session.execute(delete(Membership).where(
        Membership.project_id == project_id, Membership.user_id == user_id))
    db.session.commit()


def owner_count(project_id: int) -> int:
    """How many owners the project has."""
    return db.session.execute(select(func.count()).select_from(Membership).where(
        Membership.project_id == project_id, Membership.role == "owner")).scalar_one()
