"""A project's ingestion keys and share links, and a user's read-only API tokens.

Keys belong to the ingestion domain (app.track.keys makes, verifies and revokes them); this
module only checks who may manage them. Share links and tokens are made here: 256 random
bits after a prefix, stored as a SHA-256 hash, shown once.
"""

from app.models import ApiToken, ShareLink
from app.projects import credentials_data, data, service
from app.projects.access import API_TOKEN_PREFIX, SHARE_PREFIX, hash_secret
from app.projects.errors import ConflictError, NotFoundError, NotSignedInError
from app.projects.invitations import TOKEN_MAX_LENGTH, new_secret
from app.track import keys

PREFIX_LENGTH = 12


def key_answer(key) -> dict:
    """An ingestion key as the API lists it (never its hash)."""
    return {"id": key.id, "name": key.name, "prefix": key.key_prefix,
            "created_at": key.created_at, "last_used_at": key.last_used_at,
            "revoked_at": key.revoked_at, "allows_import": key.allows_import,
            "site_domain": key.site_domain}


def list_keys(user_id: int, slug: str) -> dict:
    """The project's ingestion keys, revoked ones included (admins)."""
    project = service.member_project(user_id, slug, "admin")
    return {"keys": [key_answer(key) for key in keys.project_keys(project.id)]}


def create_key(user_id: int, slug: str, name: str, allows_import: bool,
               site_domain: str | None = None) -> dict:
    """A new key sending to the project (admins); the raw key is returned only here."""
    project = service.member_project(user_id, slug, "admin")
    try:
        key, raw_key = keys.create_key(project.id, name, allows_import=allows_import,
                                       site_domain=site_domain)
    except keys.KeyNameTakenError:
        raise ConflictError(f"A key named {name!r} exists in {slug!r}") from None
    except keys.SiteDomainTakenError:
        raise site_domain_taken(site_domain) from None
    return {**key_answer(key), "key": raw_key}


def update_key(user_id: int, slug: str, key_id: int, site_domain: str | None) -> dict:
    """Set or clear the site domain of one of the project's unrevoked keys (admins)."""
    project = service.member_project(user_id, slug, "admin")
    try:
        key = keys.set_site_domain(project.id, key_id, site_domain) \
            if key_id <= service.MAX_ID else None
    except keys.SiteDomainTakenError:
        raise site_domain_taken(site_domain) from None
    if key is None:
        raise NotFoundError(f"No active key {key_id} in {slug!r}")
    return key_answer(key)


def site_domain_taken(site_domain: str | None) -> ConflictError:
    """The 409 for a domain another key holds (whose project is not said: it may be
    another owner's).
    """
    return ConflictError(f"The site domain {site_domain!r} belongs to another ingestion key")


def revoke_key(user_id: int, slug: str, key_id: int) -> None:
    """Revoke one of the project's keys (admins)."""
    project = service.member_project(user_id, slug, "admin")
    if key_id > service.MAX_ID or keys.revoke_key_by_id(project.id, key_id) is None:
        raise NotFoundError(f"No key {key_id} in {slug!r}")


def list_share_links(user_id: int, slug: str) -> dict:
    """The project's active share links (admins)."""
    project = service.member_project(user_id, slug, "admin")
    return {"share_links": [row._asdict()
                            for row in credentials_data.active_share_links(project.id)]}


def create_share_link(user_id: int, slug: str) -> dict:
    """A new public read-only link to the project's dashboard (admins); token shown once."""
    project = service.member_project(user_id, slug, "admin")
    token = new_secret(SHARE_PREFIX)
    link = ShareLink(project_id=project.id, token_hash=hash_secret(token),
                     token_prefix=token[:PREFIX_LENGTH])
    credentials_data.insert_share_link(link)
    return {"id": link.id, "prefix": link.token_prefix, "created_at": link.created_at,
            "token": token, "url": f"/share/{token}"}


def revoke_share_link(user_id: int, slug: str, link_id: int) -> None:
    """Revoke a share link (admins): the next request with it is refused."""
    project = service.member_project(user_id, slug, "admin")
    if link_id > service.MAX_ID or not credentials_data.revoke_share_link(project.id, link_id):
        raise NotFoundError(f"No share link {link_id} in {slug!r}")


def shared_project(token: str) -> dict:
    """The project an active share link shows; NotSignedInError for any other token."""
    link_id = None
    if token.startswith(SHARE_PREFIX) and len(token) <= TOKEN_MAX_LENGTH:
        link_id = data.active_share_link_id(hash_secret(token))
    project = data.share_link_project(link_id, None) if link_id is not None else None
    if project is None:
        raise NotSignedInError("This share link is unknown or has been revoked")
    return {"project": {"slug": project.slug, "name": project.name,
                        "timezone": project.timezone}}


def list_tokens(user_id: int) -> dict:
    """The user's active API tokens with the projects each may read."""
    rows = credentials_data.user_api_tokens(user_id)
    slugs = credentials_data.token_project_slugs([row.id for row in rows])
    return {"tokens": [{**row._asdict(), "projects": slugs[row.id]} for row in rows]}


def create_token(user_id: int, name: str, slugs: list[str]) -> dict:
    """A read-only token for the user's projects `slugs`; the raw token is returned once.

    Every slug must be a project the user is a member of (NotFoundError otherwise).
    """
    wanted = list(dict.fromkeys(slugs))
    project_ids = credentials_data.member_project_ids(user_id, wanted)
    missing = [slug for slug in wanted if slug not in project_ids]
    if missing:
        raise NotFoundError(f"No project {missing[0]!r}")
    raw_token = new_secret(API_TOKEN_PREFIX)
    token = ApiToken(user_id=user_id, name=name, token_hash=hash_secret(raw_token),
                     token_prefix=raw_token[:PREFIX_LENGTH])
    credentials_data.insert_api_token(token, [project_ids[slug] for slug in wanted])
    return {"id": token.id, "name": name, "prefix": token.token_prefix, "projects": wanted,
            "created_at": token.created_at, "last_used_at": None, "token": raw_token}


def revoke_token(user_id: int, token_id: int) -> None:
    """Revoke one of the user's own tokens: the next request with it is refused."""
    if token_id > service.MAX_ID or not credentials_data.revoke_api_token(user_id, token_id):
        raise NotFoundError(f"No token {token_id}")
