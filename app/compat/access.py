"""Who may read and write through a dialect: the project comes from the URL's slug, and
every check is app/projects/access.py's, plus one rule of its own: a project whose admin
turned public sharing on (`projects.public_sharing`) may be read without any credential, as
the seed clients call their analytics tokenless. A share link never does: it is a secret
meant for whoever holds it, not a licence for anyone who guesses the slug.
"""

import functools
import hashlib

from flask import current_app, g, request

from app.analytics.routes import analytics_rate_limit, bounded_cost
from app.models import SELF_TRACKING_SLUG
from app.projects import data as project_data
from app.projects.access import SHARE_HEADER, Reader, current_reader, readable_project
from app.projects.builtin import self_tracking_project_id
from app.projects.errors import NotSignedInError, ProjectNotFoundError
from app.track.errors import InvalidIngestKey
from app.track.keys import ActiveKey, find_active_key
from app.track.sender import KEY_HEADER


def presents_credentials() -> bool:
    """Whether the request carries a bearer token, a share link or a session cookie."""
    return bool(request.headers.get("Authorization") or SHARE_HEADER in request.headers
                or current_app.config["JWT_ACCESS_COOKIE_NAME"] in request.cookies)


def public_project_id(slug: str) -> int | None:
    """The project's id when an admin turned its public sharing on, else None."""
    project_id = project_data.project_id_by_slug(slug)
    if project_id is not None and project_data.is_public(project_id):
        return project_id
    return None


def public_reader(slug: str) -> tuple[Reader, int]:
    """A credential-less reader of a project with public sharing on, shown what a share
    link shows; 404 for an unknown project, 401 for one whose public sharing is off.
    """
    project_id = public_project_id(slug)
    if project_id is None:
        if project_data.project_id_by_slug(slug) is None:
            raise ProjectNotFoundError(f"No project {slug!r}")
        raise NotSignedInError("Sign in or send an API token, or have an admin turn on public "
                               "sharing in the project's settings (Sharing, Public analytics)")
    # Per project and address, like a share link: one busy reader cannot starve the rest.
    return Reader("share", f"public:{project_id}:{request.remote_addr}"), project_id


def project_reader(slug: str) -> tuple[Reader, int]:
    """The reader and the project id for a read of `slug`: a member's session or API
    token, a share link of that project, or nobody when the project is public.

    A credential that is valid but not for this project still reads a public project; an
    invalid one is refused (401), never silently read as anonymous.
    """
    if not presents_credentials():
        return public_reader(slug)
    reader = current_reader()
    try:
        return reader, readable_project(reader, slug).id
    except ProjectNotFoundError:
        if public_project_id(slug) is None:
            raise
        return public_reader(slug)


def dialect_read(view):
    """Authenticate the reader of the slug's project, then charge the analytics rate limit
    and bound every statement's time, as /api/v1/analytics does; the view gets `project_id`.
    """
    limited = analytics_rate_limit(view)

    @functools.wraps(view)
    def authenticated(*args, slug: str, **kwargs):
        g.reader, project_id = project_reader(slug)
        return limited(*args, project_id=project_id, **kwargs)

    return bounded_cost(authenticated)


def writable_project_id(user_id: int, slug: str) -> int:
    """Where a signed-in user's click under `slug` goes: a project they are a member of,
    or the self-tracking project, which counts every signed-in user's clicks (404 else).
    """
    if slug == SELF_TRACKING_SLUG:
        return self_tracking_project_id()
    return readable_project(Reader("user", f"user:{user_id}", user_id=user_id), slug).id


def raw_ingest_key() -> str | None:
    """The ingestion key of the X-Ouroboard-Key header, else of the ?key= parameter."""
    return request.headers.get(KEY_HEADER) or request.args.get("key") or None


def ingest_key_for(slug: str) -> ActiveKey:
    """The request's active ingestion key, which must send to the slug's project: 401 for
    a missing, unknown or revoked key, 404 for a key of another project.
    """
    raw_key = raw_ingest_key()
    key = find_active_key(raw_key) if raw_key else None
    if key is None:
        raise InvalidIngestKey("Invalid or revoked ingestion key: send it in X-Ouroboard-Key "
                               "or ?key=")
    if project_data.project_id_by_slug(slug) != key.project_id:
        raise ProjectNotFoundError(f"No project {slug!r} for this ingestion key")
    return key


def ingest_key_rate_key() -> str:
    """The ingest rate-limit bucket of a keyed request: the same bucket as /api/v1/events
    gives the key, wherever the key was sent (header or query).
    """
    raw_key = raw_ingest_key()
    if raw_key:
        return "ingest-key:" + hashlib.sha256(raw_key.encode("utf-8")).hexdigest()[:16]
    return f"ingest-ip:{request.remote_addr}"
