"""JWT sessions: tokens, the signed-in user of a request, revocation, and answers to token
failures.

Every token carries `auth_time`, when its session signed in (refreshes keep it, so no
session outlives SESSION_MAX_AGE), and `issued_ms`, when the token itself was made (a
sign-out everywhere or a new password revokes the user's tokens issued before that moment).
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask, Response, current_app
from flask_jwt_extended import (
    create_access_token,
    get_jwt,
    get_jwt_request_location,
    set_access_cookies,
    verify_jwt_in_request,
)
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt import PyJWTError

from app.auth import data, revocation
from app.errors import error_response
from app.extensions import jwt
from app.models import age_group_for, utcnow
from app.ttl_cache import TtlCache, app_cache

# Every authenticated request resolves its token to a user. Name, age and gender never
# change, so each worker remembers them this long instead of querying on every click; the
# revocation check (revocation.py) reads its own facts fresh on every request.
USER_CACHE_SECONDS = 10.0
USER_CACHE_KEY = "ouroboard.session_users"
# A refresh must extend the token at least this much (token times are whole seconds): near
# the end of the session's absolute lifetime every request would otherwise get a new cookie.
MIN_REFRESH_GAIN = timedelta(seconds=1)


@dataclass(frozen=True)
class SessionUser:
    """The signed-in user as requests see it: read-only, no database session attached."""

    id: int
    username: str
    age: int
    gender: str
    sessions_valid_after: datetime | None = None

    @property
    def age_group(self) -> str:
        """Return the user's age group, as events record it."""
        return age_group_for(self.age)


def session_users() -> TtlCache:
    """Return this application's remembered session users, by id."""
    return app_cache(USER_CACHE_KEY, USER_CACHE_SECONDS)


def session_end(signed_in_at: int) -> datetime:
    """The moment a session signed in at `signed_in_at` (epoch seconds) ends for good."""
    return datetime.fromtimestamp(signed_in_at, UTC) + current_app.config["SESSION_MAX_AGE"]


def create_session_token(user_id: int, signed_in_at: int | None = None) -> str | None:
    """Return a signed access token for the user, or None if the session has ended.

    `signed_in_at` is the session's sign-in time (epoch seconds), kept by refreshes and by a
    password change; without it this is a new sign-in. The token never outlives the session.
    """
    now = utcnow()
    if signed_in_at is None:
        signed_in_at = int(now.timestamp())
    lifetime = session_end(signed_in_at) - now
    configured = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    if isinstance(configured, timedelta):
        lifetime = min(lifetime, configured)
    if lifetime <= timedelta(0):
        return None
    claims = {"auth_time": signed_in_at, "issued_ms": math.floor(now.timestamp() * 1000)}
    return create_access_token(identity=str(user_id), expires_delta=lifetime,
                               additional_claims=claims)


def signed_in_at(claims: dict) -> int:
    """The session's sign-in time from a token's claims (its iat for tokens made before
    auth_time existed).
    """
    return int(claims.get("auth_time", claims.get("iat", 0)))


def issued_ms(claims: dict) -> int:
    """When the token was made, in epoch milliseconds."""
    return int(claims.get("issued_ms", int(claims.get("iat", 0)) * 1000))


def current_session_claims() -> dict:
    """The verified claims of this request's token (call only behind jwt_required)."""
    return get_jwt()


def is_cookie_session() -> bool:
    """Whether this request was authenticated by the session cookie (not a bearer token)."""
    return get_jwt_request_location() == "cookies"


def refresh_expiring_cookie(response: Response) -> Response:
    """Give a cookie session a fresh token while it is in use, before it expires; never
    beyond the session's absolute lifetime.
    """
    try:
        claims = get_jwt()
    except RuntimeError:
        return response  # this request was not authenticated
    if not claims or get_jwt_request_location() != "cookies" or response.status_code >= 400:
        return response
    if response.headers.get("Set-Cookie"):
        return response  # the view already set (or cleared) the session cookies
    expires = datetime.fromtimestamp(claims["exp"], UTC)
    now = utcnow()
    if expires - now >= current_app.config["JWT_REFRESH_WINDOW"]:
        return response
    if min(now + current_app.config["JWT_ACCESS_TOKEN_EXPIRES"],
           session_end(signed_in_at(claims))) - expires < MIN_REFRESH_GAIN:
        return response
    if is_token_revoked({}, claims):
        return response  # signed out while this request ran: no fresh token outlives that
    token = create_session_token(int(claims["sub"]), signed_in_at(claims))
    if token is not None:
        set_access_cookies(response, token)
    return response


def is_token_revoked(_jwt_header: dict, claims: dict) -> bool:
    """Whether a validly signed token no longer opens its session: past the session's
    absolute lifetime, signed out, or issued before its user's sessions_valid_after.
    """
    if session_end(signed_in_at(claims)) <= utcnow():
        return True
    try:
        user_id = int(claims["sub"])
    except (KeyError, TypeError, ValueError):
        return False  # load_user refuses it
    jti = str(claims.get("jti", ""))
    state = revocation.read_redis_state(jti, user_id)
    if state is None:
        state = revocation.read_database_state(jti, user_id)
    else:
        # A cut-off lost from Redis (a flush, a failed write) still holds from the database.
        user = load_user(None, claims)
        cached = user.sessions_valid_after if user is not None else None
        state = state._replace(sessions_valid_after=latest(state.sessions_valid_after, cached))
    if state is None:
        return False  # no such user: load_user answers
    cutoff = state.sessions_valid_after
    return state.token_revoked or (
        cutoff is not None and issued_ms(claims) < math.floor(cutoff.timestamp() * 1000))


def latest(first: datetime | None, second: datetime | None) -> datetime | None:
    """The later of two optional moments."""
    return max((moment for moment in (first, second) if moment is not None), default=None)


def revoke_request_token() -> None:
    """Revoke the token this request carries, if it carries one that is still valid."""
    try:
        verify_jwt_in_request(optional=True)
    except (JWTExtendedException, PyJWTError):
        return  # expired, tampered, already revoked, or a cookie without its CSRF header
    claims = get_jwt()
    if claims:
        revocation.revoke_token(str(claims["jti"]), datetime.fromtimestamp(claims["exp"], UTC))


def revoke_all_sessions(user_id: int) -> None:
    """Revoke every session of the user issued until now."""
    revocation.revoke_sessions_before(user_id, utcnow())
    remember_fresh_user(user_id)


def announce_stored_cutoff(user_id: int, moment: datetime) -> None:
    """Spread a cut-off the database already holds (a password change stores it with the
    new hash) to Redis and to this worker's cache.
    """
    revocation.announce_cutoff(user_id, moment)
    remember_fresh_user(user_id)


def remember_fresh_user(user_id: int) -> None:
    """Reload the user into this worker's cache at once (other workers ask Redis or the
    database on every request).
    """
    fresh = read_session_user(user_id)
    if fresh is not None:
        session_users().put(user_id, fresh)


def load_user(_jwt_header: dict | None, jwt_data: dict) -> SessionUser | None:
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
    return SessionUser(id=row.id, username=row.username, age=row.age, gender=row.gender,
                       sessions_valid_after=row.sessions_valid_after)


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
    """Answer signed-out, revoked and too old sessions."""
    return unauthorized("Session ended, please log in again")


def init_app(app: Flask) -> None:
    """Resolve tokens to users, refuse revoked ones, answer token failures, keep cookie
    sessions alive while used.

    The loaders belong to the shared JWTManager, so registering them again for another
    application replaces them with the same functions.
    """
    jwt.user_lookup_loader(load_user)
    jwt.unauthorized_loader(on_missing_token)
    jwt.invalid_token_loader(on_invalid_token)
    jwt.expired_token_loader(on_expired_token)
    jwt.user_lookup_error_loader(on_unknown_user)
    jwt.revoked_token_loader(on_revoked_token)
    jwt.token_in_blocklist_loader(is_token_revoked)
    app.after_request(refresh_expiring_cookie)
