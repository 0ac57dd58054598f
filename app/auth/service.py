"""Accounts: password hashing and strength, registration, authentication, password change."""

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, request
from flask_limiter.util import get_remote_address
from zxcvbn import zxcvbn

from app.auth import data
from app.auth.data import UsernameTakenError
from app.models import User, utcnow
from app.projects.invitations import check_registration
from app.signals import user_registered

# Re-exported: routes catch service.UsernameTakenError.
__all__ = ["UsernameTakenError"]

# zxcvbn's matching grows steeply with length (a random 128-character password takes
# seconds); a prefix this long keeps it under a tenth of a second, and a password whose
# first 64 characters are hard to guess is hard to guess.
STRENGTH_CHECKED_CHARS = 64
# Words a guesser tries first against this service's accounts.
SERVICE_WORDS = ["ouroboard", "analytics", "dashboard"]


class WeakPasswordError(Exception):
    """Raised when a new password is too easy to guess; the message says why."""


class WrongPasswordError(Exception):
    """Raised when the current password given to change it does not match."""


def check_password_strength(password: str, user_inputs: list[str]) -> None:
    """Raise WeakPasswordError unless zxcvbn scores the password at least PASSWORD_MIN_SCORE,
    counting the user's own inputs (username, old password) as easy guesses.
    """
    inputs = [str(value) for value in user_inputs if value] + SERVICE_WORDS
    result = zxcvbn(password[:STRENGTH_CHECKED_CHARS], user_inputs=inputs,
                    max_length=STRENGTH_CHECKED_CHARS)
    if result["score"] >= current_app.config["PASSWORD_MIN_SCORE"]:
        return
    feedback = result["feedback"]
    hints = [hint for hint in [feedback.get("warning"), *feedback.get("suggestions", [])]
             if hint]
    advice = " ".join(hints) or "Add another word or two. Uncommon words are better."
    raise WeakPasswordError(f"Password is too easy to guess: {advice}")


@cache
def password_hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    """Return an Argon2id hasher for the configured cost (argon2-cffi's default type is ID)."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def hasher_params() -> tuple[int, int, int]:
    """Return the configured Argon2id (time cost, memory cost in KiB, parallelism)."""
    config = current_app.config
    return (config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST_KIB"],
            config["ARGON2_PARALLELISM"])


def current_hasher() -> PasswordHasher:
    """Return the hasher configured for this application."""
    return password_hasher(*hasher_params())


def hash_password(password: str) -> str:
    """Hash with Argon2id and a random salt."""
    return current_hasher().hash(password)


@cache
def decoy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    """Return a hash to verify against for unknown users, so both failures take as long."""
    return password_hasher(time_cost, memory_cost, parallelism).hash("decoy-password-never-valid")


def create_user(username: str, password: str, age: int, gender: str,
                invitation: str | None = None) -> User:
    """Insert a user; raise WeakPasswordError for a guessable password, UsernameTakenError if
    the name exists in any case.

    REGISTRATION is asked first (app.projects decides, and raises its own errors: 403 when
    the mode refuses, 404 for an invitation that cannot be accepted), so a refused caller
    learns nothing about usernames. The projects domain accepts the invitation when it
    hears user_registered.
    """
    check_registration(invitation)
    check_password_strength(password, [username, str(age), gender])
    if data.find_user_by_username(username) is not None:
        raise UsernameTakenError(username)
    user = User(username=username, password_hash=hash_password(password), age=age, gender=gender)
    data.insert_user(user)
    try:
        user_registered.send(current_app._get_current_object(), user=user,
                             invitation=invitation)
    except Exception:
        # A listener refused the account once stored (a registration race lost, an
        # invitation used up meanwhile): it must not stay.
        data.delete_user(user.id)
        raise
    return user


def is_instance_admin(user_id: int) -> bool:
    """Whether the user is the instance admin (the first account)."""
    user = data.find_user_by_id(user_id)
    return bool(user is not None and user.is_instance_admin)


def authenticate(username: str, password: str) -> User | None:
    """Return the user when the password matches, else None, in similar time either way."""
    user = data.find_user_by_username(username)
    params = hasher_params()
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


def change_password(user_id: int, current_password: str, new_password: str) -> User:
    """Replace the user's password after checking the current one, and in the same
    transaction revoke every session issued until now (user.sessions_valid_after); raise
    WrongPasswordError or WeakPasswordError.
    """
    user = data.find_user_by_id(user_id)
    hasher = current_hasher()
    try:
        hasher.verify(user.password_hash if user else decoy_hash(*hasher_params()),
                      current_password)
    except (VerificationError, InvalidHashError):
        raise WrongPasswordError from None
    if user is None:
        raise WrongPasswordError
    if new_password == current_password:
        raise WeakPasswordError("The new password must differ from the current one.")
    check_password_strength(new_password, [user.username, current_password])
    data.update_password_hash(user, hasher.hash(new_password), sessions_valid_after=utcnow())
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
    """Return the rate-limit key for the username in a login or register body, from this
    client's address: guesses at one account from one place are bounded, while guesses
    from elsewhere cannot use up the budget of the account's owner and lock them out.
    """
    body = request.get_json(silent=True)
    username = body.get("username") if isinstance(body, dict) else None
    name = str(username).lower()[:64] if username else "-"
    return f"username:{name}:{get_remote_address()}"
