"""Who is reading, and which project they may read: a signed-in member, a public share
link, or a read-only API token. Every analytics request goes through here before any
query, and every check reads the database, so a removed member, a revoked link or a revoked
token is refused at once on every worker (answers are cached per project, after this check).
"""

import hashlib
from dataclasses import dataclass

from flask import request
from flask_jwt_extended import get_jwt_identity, verify_jwt_in_request

from app.extensions import db
from app.projects import data
from app.projects.errors import NotSignedInError, ProjectNotFoundError

SHARE_HEADER = "X-Ouroboard-Share"
SHARE_PREFIX = "obs_"
API_TOKEN_PREFIX = "obt_"  # noqa: S105 - a prefix, not a secret
# Roles from the most to the least rights: a role may do what every role after it may.
ROLE_ORDER = ("owner", "admin", "viewer")


@dataclass(frozen=True)
class Reader:
    """Who reads: a user (through memberships), or a share link or API token (each scoped
    to fixed projects). `bucket` keys their rate limit and their export and stream slots.
    """

    kind: str  # "user", "share" or "token"
    bucket: str
    user_id: int | None = None
    credential_id: int | None = None  # the share link's or the token's id

    @property
    def is_member(self) -> bool:
        """Whether project roles apply (share links and tokens have none)."""
        return self.kind == "user"


@dataclass(frozen=True)
class ReadableProject:
    """A project as its reader sees it; `role` is None for share links and tokens."""

    id: int
    slug: str
    name: str
    timezone: str
    role: str | None


def hash_secret(raw: str) -> str:
    """The stored form of a share or API token (256 random bits: a fast hash suffices)."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def bearer_token() -> str | None:
    """The raw API token of an `Authorization: Bearer obt_…` header, if that is what came."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value.startswith(API_TOKEN_PREFIX):
        return value
    return None


def current_reader() -> Reader:
    """Authenticate the request as a share link, an API token or a session (in that order).

    Raise NotSignedInError when none is valid; a revoked link or token is not valid.
    """
    share = request.headers.get(SHARE_HEADER)
    if share is not None:
        found = data.active_share_link_id(hash_secret(share)) if len(share) <= 128 else None
        if found is None:
            raise NotSignedInError("This share link is unknown or has been revoked")
        # Per link and address: one busy viewer of a public link must not use up the
        # rate limit of everyone else who has it.
        return Reader("share", f"share:{found}:{request.remote_addr}", credential_id=found)
    token = bearer_token()
    if token is not None:
        found = data.use_api_token(hash_secret(token)) if len(token) <= 128 else None
        if found is None:
            raise NotSignedInError("This API token is unknown or has been revoked")
        token_id, user_id = found
        return Reader("token", f"token:{token_id}", user_id=user_id, credential_id=token_id)
    verify_jwt_in_request()
    user_id = int(get_jwt_identity())
    return Reader("user", f"user:{user_id}", user_id=user_id)


def readable_project(reader: Reader, slug: str | None) -> ReadableProject:
    """The project `slug` names, or the reader's default one, if the reader may read it.

    The default is the self-tracking project for its members, else the member's first
    project; for a share link, its project; for a token, the first project it may read.
    Raise ProjectNotFoundError otherwise (also when the project exists but is not theirs).
    """
    if reader.kind == "share":
        row = data.share_link_project(reader.credential_id, slug)
    elif reader.kind == "token":
        row = data.token_project(reader.credential_id, slug)
    else:
        row = data.member_project(reader.user_id, slug)
    if row is None:
        if slug is None:
            raise ProjectNotFoundError("You have no project yet: create one first")
        raise ProjectNotFoundError(f"No project {slug!r}")
    return ReadableProject(id=row.id, slug=row.slug, name=row.name, timezone=row.timezone,
                           role=getattr(row, "role", None))


def still_reads(slug: str) -> bool:
    """Whether this request's reader may still read the project: a live stream asks before
    every frame, so revoking, removing or deleting ends it at once. Any failure (a revoked
    credential, a removed member, an expired session, the database away) means no.
    """
    try:
        readable_project(current_reader(), slug)
    except Exception:  # noqa: BLE001 - every refusal, of whatever kind, ends the stream
        return False
    finally:
        db.session.remove()  # a stream stays open for minutes: no transaction held
    return True
