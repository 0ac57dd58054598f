"""JWT sessions: tokens, the signed-in user of a request, and answers to token failures."""

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask, Response, current_app
from flask_jwt_extended import (
    create_access_token,
    get_jwt,
    get_jwt_identity,
    get_jwt_request_location,
    set_access_cookies,
)

from app.auth import data
from app.errors import error_response
from app.extensions import jwt
from app.models import User, age_group_for
from app.ttl_cache import TtlCache, app_cache

# Every authenticated request resolves its token to a user. Accounts never change once
# created (no endpoint edits or deletes them), so each worker remembers the few fields
# requests need for this long instead of querying for them on every click.
USER_CACHE_SECONDS = 10.0
USER_CACHE_KEY = "ouroboard.session_users"


@dataclass(frozen=True)
class SessionUser:
    """The signed-in user as requests see it: read-only, no database session attached."""

    id: int
    username: str
    age: int
    gender: str

    @property
    def age_group(self) -> str:
        """Return the user's age group, as events record it."""
        return age_group_for(self.age)


def session_users() -> TtlCache:
    """Return this application's remembered session users, by id."""
    return app_cache(USER_CACHE_KEY, USER_CACHE_SECONDS)


def create_session_token(user: User) -> str:
    """Return a signed access token whose subject is the user's id."""
    return create_access_token(identity=str(user.id))


def refresh_expiring_cookie(response: Response) -> Response:
    """Give a cookie session a fresh token while it is in use, before it expires."""
    try:
        claims = get_jwt()
    except RuntimeError:
        return response  # this request was not authenticated
    if not claims or get_jwt_request_location() != "cookies" or response.status_code >= 400:
        return response
    remaining = datetime.fromtimestamp(claims["exp"], UTC) - datetime.now(UTC)
    if remaining < current_app.config["JWT_REFRESH_WINDOW"]:
        set_access_cookies(response, create_access_token(identity=get_jwt_identity()))
    return response


def load_user(_jwt_header: dict, jwt_data: dict) -> SessionUser | None:
    """Resolve the token's subject to a user (None makes the request a 401)."""
    try:
        user_id = int(jwt_data["sub"])
    except (TypeError, ValueError):
        return None
    return session_users().get_or_load(user_id, lambda: read_session_user(user_id))


def read_session_user(user_id: int) -> SessionUser | None:
    """Read from the database the fields requests need of one user, or None if it is gone."""
    row = data.find_session_fields(user_id)
    if row is None:
        return None
    return SessionUser(id=row.id, username=row.username, age=row.age, gender=row.gender)


def unauthorized(message: str) -> Response:
    """Answer flask-jwt-extended's failures in our error shape."""
    return error_response(401, message)


def on_missing_token(reason: str) -> Response:
    """Answer a request without a token, or a cookie request without its CSRF header."""
    if "CSRF" in reason or "csrf" in reason:
        return unauthorized("Missing or invalid CSRF token: send the X-CSRF-TOKEN header")
    return unauthorized("Authentication required")


def on_invalid_token(_reason: str) -> Response:
    """Answer tampered, malformed or wrongly signed tokens, including alg=none."""
    return unauthorized("Invalid token")


def on_expired_token(_header: dict, _payload: dict) -> Response:
    """Answer expired tokens: the client should log in again."""
    return unauthorized("Session expired, please log in again")


def on_unknown_user(_header: dict, _payload: dict) -> Response:
    """Answer a valid token whose user no longer exists."""
    return unauthorized("Authentication required")


def on_revoked_token(_header: dict, _payload: dict) -> Response:
    """Answer revoked tokens (not used yet, answered consistently anyway)."""
    return unauthorized("Session revoked, please log in again")


def init_app(app: Flask) -> None:
    """Resolve tokens to users, answer token failures, keep cookie sessions alive while used.

    The loaders belong to the shared JWTManager, so registering them again for another
    application replaces them with the same functions.
    """
    jwt.user_lookup_loader(load_user)
    jwt.unauthorized_loader(on_missing_token)
    jwt.invalid_token_loader(on_invalid_token)
    jwt.expired_token_loader(on_expired_token)
    jwt.user_lookup_error_loader(on_unknown_user)
    jwt.revoked_token_loader(on_revoked_token)
    app.after_request(refresh_expiring_cookie)
