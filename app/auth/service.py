"""Accounts: password hashing, registration and authentication."""

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, request

from app.auth import data
from app.auth.data import UsernameTakenError
from app.models import User

# Re-exported: routes catch service.UsernameTakenError.
__all__ = ["UsernameTakenError"]


@cache
def password_hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    """Return an Argon2id hasher for the configured cost (argon2-cffi's default type is ID)."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def current_hasher() -> PasswordHasher:
    """Return the hasher configured for this application."""
    config = current_app.config
    return password_hasher(config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST_KIB"],
                           config["ARGON2_PARALLELISM"])


def hash_password(password: str) -> str:
    """Hash with Argon2id and a random salt."""
    return current_hasher().hash(password)


@cache
def decoy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    """Return a hash to verify against for unknown users, so both failures take as long."""
    return password_hasher(time_cost, memory_cost, parallelism).hash("decoy-password-never-valid")


def create_user(username: str, password: str, age: int, gender: str) -> User:
    """Insert a user; raise UsernameTakenError if the name exists in any case."""
    if data.find_user_by_username(username) is not None:
        raise UsernameTakenError(username)
    user = User(username=username, password_hash=hash_password(password), age=age, gender=gender)
    data.insert_user(user)
    return user


def authenticate(username: str, password: str) -> User | None:
    """Return the user when the password matches, else None, in similar time either way."""
    user = data.find_user_by_username(username)
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
        data.update_password_hash(user, hasher.hash(password))
    return user


def demo_credentials() -> dict | None:
    """Return user1's documented demo password, if that account exists and still uses it."""
    user = data.find_user_by_username("user1")
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


def username_rate_key() -> str:
    """Return the rate-limit key for the username in a login or register body."""
    body = request.get_json(silent=True)
    username = body.get("username") if isinstance(body, dict) else None
    return f"username:{str(username).lower()[:64]}" if username else "username:-"
