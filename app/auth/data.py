"""Database access for accounts: every query the auth service and sessions run."""

from sqlalchemy import Row, func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import User


class UsernameTakenError(Exception):
    """Raised when a username already exists in any letter case."""


def find_user_by_username(username: str) -> User | None:
    """Return the user of this name in any letter case (the lower(username) index serves it)."""
    query = select(User).where(func.lower(User.username) == username.lower())
    return db.session.execute(query).scalar_one_or_none()


def find_session_fields(user_id: int) -> Row | None:
    """Return the id, username, age and gender of one user, or None if there is no such user."""
    return db.session.execute(select(User.id, User.username, User.age, User.gender)
                              .where(User.id == user_id)).first()


def insert_user(user: User) -> None:
    """Store a new user; raise UsernameTakenError if the unique index refuses the name."""
    username = user.username
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError as exc:
        # Two registrations raced past the lookup; the unique index decided.
        db.session.rollback()
        raise UsernameTakenError(username) from exc


def update_password_hash(user: User, password_hash: str) -> None:
    """Store a new hash of the user's password."""
    user.password_hash = password_hash
    db.session.commit()
