"""Typed SQLAlchemy models. Serialisation lives in the blueprints' schemas."""

from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

GENDERS = ("Male", "Female", "Other")


def utcnow() -> datetime:
    """Current time as an aware UTC datetime."""
    return datetime.now(UTC)


class User(db.Model):
    """A person who can log in to the dashboard."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("age BETWEEN 1 AND 120", name="age_range"),
        CheckConstraint("gender IN ('Male', 'Female', 'Other')", name="gender_allowed"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(32), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    age: Mapped[int] = mapped_column(Integer, nullable=False)
    gender: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username!r}>"


# Usernames are unique regardless of case: "Alice" and "alice" are one account.
Index("uq_users_username_lower", func.lower(User.username), unique=True)
