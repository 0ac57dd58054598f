"""Password hashing, user queries and JWT session handling."""

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, Response, current_app, request
from flask_jwt_extended import (
    create_access_token,
    get_jwt,
    get_jwt_identity,
    get_jwt_request_location,
    set_access_cookies,
)
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.errors import error_response
from app.extensions import db, jwt
from app.models import User, age_group_for


class UsernameTakenError(Exception):
    """Raised when a username already exists in any letter case."""


@cache
def password_hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    """An Argon2id hasher for the configured cost (argon2-cffi's default type is ID)."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def current_hasher() -> PasswordHasher:
    """The hasher configured for this application."""
    config = current_app.config
    return password_hasher(config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST_KIB"],
                           config["ARGON2_PARALLELISM"])


def hash_password(password: str) -> str:
    """Argon2id hash with a random salt."""
    return current_hasher().hash(password)


@cache
def decoy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    """A hash to verify against for unknown users, so both failures take as long."""
    return password_hasher(time_cost, memory_cost, parallelism).hash("decoy-password-never-valid")


def find_user_by_username(username: str) -> User | None:
    """Case-insensitive lookup, served by the lower(username) unique index."""
    query = select(User).where(func.lower(User.username) == username.lower())
    return db.session.execute(query).scalar_one_or_none()


def create_user(username: str, password: str, age: int, gender: str) -> User:
    """Insert a user; raise UsernameTakenError if the name exists in any case."""
    if find_user_by_username(username) is not None:
        raise UsernameTakenError(username)
    user = User(username=username, password_hash=hash_password(password), age=age, gender=gender)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError as exc:
        # Two registrations raced past the lookup; the unique index decided.
        db.session.rollback()
        raise UsernameTakenError(username) from exc
    return user


def authenticate(username: str, password: str) -> User | None:
    """Return the user when the password matches, else None, in similar time either way."""
    user = find_user_by_username(username)
    config = current_app.config
    params = (config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST_KIB"],
              config["ARGON2_PARALLELISM"])
    hasher = password_hasher(*params)
    stored_hash = user.password_hash if user is not None else decoy_hash(*params)
    try:
        hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
        db.session.commit()
    return user


def demo_credentials() -> dict | None:
    """user1's documented demo password, if that account exists and still uses it."""
    user = find_user_by_username("user1")
    password = current_app.config["DEMO_PASSWORD"]
    if user is None or not demo_password_matches(user.password_hash, password):
        return None
    return {"username": user.username, "password": password}


@cache
def demo_password_matches(password_hash: str, password: str) -> bool:
    """Verify once per process and hash: the sign-in page asks on every visit."""
    try:
        return PasswordHasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_session_token(user: User) -> str:
    """A signed access token whose subject is the user's id."""
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


def unauthorized(message: str) -> Response:
    """flask-jwt-extended's failures in our error shape."""
    return error_response(401, message)


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
        return age_group_for(self.age)


@jwt.user_lookup_loader
def load_user(_jwt_header: dict, jwt_data: dict) -> SessionUser | None:
    """Resolve the token's subject to a user (None makes the request a 401)."""
    try:
        user_id = int(jwt_data["sub"])
    except (TypeError, ValueError):
        return None
    # Per application, not per module: each test app has its own database.
    remembered = current_app.extensions.setdefault(USER_CACHE_KEY, {})
    now = time.monotonic()
    entry = remembered.get(user_id)
    if entry is not None and entry[1] > now:
        return entry[0]
    row = db.session.execute(select(User.id, User.username, User.age, User.gender)
                             .where(User.id == user_id)).first()
    if row is None:
        return None
    user = SessionUser(id=row.id, username=row.username, age=row.age, gender=row.gender)
    with _user_cache_lock:
        remembered[user_id] = (user, now + USER_CACHE_SECONDS)
    return user


_user_cache_lock = threading.Lock()


@jwt.unauthorized_loader
def on_missing_token(reason: str) -> Response:
    """No token, or a cookie request without its CSRF header."""
    if "CSRF" in reason or "csrf" in reason:
        return unauthorized("Missing or invalid CSRF token: send the X-CSRF-TOKEN header")
    return unauthorized("Authentication required")


@jwt.invalid_token_loader
def on_invalid_token(_reason: str) -> Response:
    """Tampered, malformed or wrongly signed tokens, including alg=none."""
    return unauthorized("Invalid token")


@jwt.expired_token_loader
def on_expired_token(_header: dict, _payload: dict) -> Response:
    """Expired tokens: the client should log in again."""
    return unauthorized("Session expired, please log in again")


@jwt.user_lookup_error_loader
def on_unknown_user(_header: dict, _payload: dict) -> Response:
    """A valid token whose user no longer exists."""
    return unauthorized("Authentication required")


@jwt.revoked_token_loader
def on_revoked_token(_header: dict, _payload: dict) -> Response:
    """Revoked tokens (not used yet, answered consistently anyway)."""
    return unauthorized("Session revoked, please log in again")


def username_rate_key() -> str:
    """Rate-limit key for the username in a login or register body."""
    body = request.get_json(silent=True)
    username = body.get("username") if isinstance(body, dict) else None
    return f"username:{str(username).lower()[:64]}" if username else "username:-"


def init_app(app: Flask) -> None:
    """Keep cookie sessions alive while they are used."""
    app.after_request(refresh_expiring_cookie)
