"""A project's ingestion keys and share links, the shared dashboard's entry, and the
caller's read-only API tokens: thin views over app.projects.credentials.
"""

from flask import request

from app.blueprint import ApiBlueprint
from app.projects import credential_schemas as schemas
from app.projects import credentials
from app.projects.access import SHARE_HEADER
from app.projects.invitation_routes import limited_per_address
from app.projects.routes import caller_id, session_endpoint

credentials_bp = ApiBlueprint("credentials", __name__, url_prefix="/api/v1",
                              description="Ingestion keys and share links of a project, and "
                                          "personal read-only API tokens.")


@session_endpoint(credentials_bp, "/projects/<slug:slug>/keys", "GET", 403, 404)
@credentials_bp.response(200, schemas.KeyListSchema)
def list_keys(slug: str):
    """The project's ingestion keys with prefix and last use, revoked ones too (admins)."""
    return credentials.list_keys(caller_id(), slug)


@session_endpoint(credentials_bp, "/projects/<slug:slug>/keys", "POST", 400, 403, 404, 409)
@credentials_bp.arguments(schemas.KeyCreateSchema())
@credentials_bp.response(201, schemas.CreatedKeySchema)
def create_key(payload: dict, slug: str):
    """Create an ingestion key sending to the project (admins); the key is shown this once.
    A name taken in the project, or a site domain another key holds, is a 409.
    """
    return credentials.create_key(caller_id(), slug, payload["name"], payload["allows_import"],
                                  payload["site_domain"])


@session_endpoint(credentials_bp, "/projects/<slug:slug>/keys/<int:key_id>", "PATCH",
                  400, 403, 404, 409)
@credentials_bp.arguments(schemas.KeyUpdateSchema())
@credentials_bp.response(200, schemas.KeySchema)
def update_key(payload: dict, slug: str, key_id: int):
    """Set or clear a key's site domain (admins): Plausible events naming that domain go to
    this key's project. A domain another key holds is a 409; a revoked key is 404.
    """
    return credentials.update_key(caller_id(), slug, key_id, payload["site_domain"])


@session_endpoint(credentials_bp, "/projects/<slug:slug>/keys/<int:key_id>", "DELETE", 403, 404)
@credentials_bp.response(204)
def revoke_key(slug: str, key_id: int):
    """Revoke an ingestion key (admins): refused at once by this worker, within 10 s by
    every other.
    """
    credentials.revoke_key(caller_id(), slug, key_id)


@session_endpoint(credentials_bp, "/projects/<slug:slug>/share-links", "GET", 403, 404)
@credentials_bp.response(200, schemas.ShareLinkListSchema)
def list_share_links(slug: str):
    """The project's active share links (admins)."""
    return credentials.list_share_links(caller_id(), slug)


@session_endpoint(credentials_bp, "/projects/<slug:slug>/share-links", "POST", 403, 404)
@credentials_bp.response(201, schemas.CreatedShareLinkSchema)
def create_share_link(slug: str):
    """Make a public read-only link to the project's dashboard (admins); the token is
    shown this once.
    """
    return credentials.create_share_link(caller_id(), slug)


@session_endpoint(credentials_bp, "/projects/<slug:slug>/share-links/<int:link_id>", "DELETE",
                  403, 404)
@credentials_bp.response(204)
def revoke_share_link(slug: str, link_id: int):
    """Revoke a share link (admins): the next request with it is refused."""
    credentials.revoke_share_link(caller_id(), slug, link_id)


@credentials_bp.route("/share", methods=["GET"])
@limited_per_address(credentials_bp)
@credentials_bp.response(200, schemas.SharedProjectSchema)
@credentials_bp.alt_response(401, description="No share link, or unknown or revoked")
def shared_project():
    """The project the share link in the X-Ouroboard-Share header opens."""
    return credentials.shared_project(request.headers.get(SHARE_HEADER, ""))


@session_endpoint(credentials_bp, "/tokens", "GET")
@credentials_bp.response(200, schemas.ApiTokenListSchema)
def list_tokens():
    """The caller's active read-only API tokens (a session is needed, not a token)."""
    return credentials.list_tokens(caller_id())


@session_endpoint(credentials_bp, "/tokens", "POST", 400, 404)
@credentials_bp.arguments(schemas.ApiTokenCreateSchema())
@credentials_bp.response(201, schemas.CreatedApiTokenSchema)
def create_token(payload: dict):
    """Make a read-only API token for some of the caller's projects (each slug must be one:
    else 404); the token is shown this once.
    """
    return credentials.create_token(caller_id(), payload["name"], payload["projects"])


@session_endpoint(credentials_bp, "/tokens/<int:token_id>", "DELETE", 404)
@credentials_bp.response(204)
def revoke_token(token_id: int):
    """Revoke one of the caller's tokens: the next request with it is refused."""
    credentials.revoke_token(caller_id(), token_id)
