"""Typed SQLAlchemy models. Serialisation lives in the blueprints' schemas."""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from app.extensions import db

GENDERS = ("Male", "Female", "Other")
AGE_GROUPS = ("<18", "18-40", ">40")


def utcnow() -> datetime:
    """Current time as an aware UTC datetime."""
    return datetime.now(UTC)


def age_group_for(age: int) -> str:
    """The dashboard's age buckets: under 18, 18 to 40 inclusive, over 40."""
    if age < 18:
        return "<18"
    return "18-40" if age <= 40 else ">40"


def sqlite_datetime_text(moment: datetime) -> str:
    """The naive-UTC text UTCDateTime stores on SQLite ("2026-03-01 14:00:00.000000"): raw
    inserts and rollup keys must write exactly this, or the ORM's equality tests miss.
    """
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def sqlite_value(value: date | datetime) -> str:
    """A date or an aware datetime as SQLite stores it for our column types."""
    if isinstance(value, datetime):
        return sqlite_datetime_text(value)
    return value.isoformat()


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend.

    Postgres keeps the zone; SQLite has none, so values are stored as naive UTC text (which
    also sorts correctly) and come back aware.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        """An aware datetime in UTC; naive UTC on SQLite, which stores no zone."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        """The stored value as an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# 64-bit ids on Postgres; SQLite needs INTEGER PRIMARY KEY for its rowid alias.
BigId = BigInteger().with_variant(Integer, "sqlite")
# none_as_null: a missing properties object is SQL NULL, not the JSON literal null.
JSONDocument = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # Sessions issued before this moment are revoked ("sign out everywhere", a new password).
    sessions_valid_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The first account of an instance: it may create projects when registration is closed.
    is_instance_admin: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                    server_default=false())

    @property
    def age_group(self) -> str:
        """The filter bucket this user's events are counted under."""
        return age_group_for(self.age)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username!r}>"


# Usernames are unique regardless of case: "Alice" and "alice" are one account.
Index("uq_users_username_lower", func.lower(User.username), unique=True)
# One instance admin at most: of registrations racing on an empty instance, one claim wins.
Index("uq_users_instance_admin", User.is_instance_admin, unique=True,
      sqlite_where=User.is_instance_admin, postgresql_where=User.is_instance_admin)


# The built-in project that records the dashboard's own use. It always exists (the first
# migration that knows projects creates it) and cannot be deleted.
SELF_TRACKING_SLUG = "ouroboard"
ROLES = ("owner", "admin", "viewer")


class Project(db.Model):
    """A site or app whose events are counted apart from every other project's."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(48), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    # The zone the dashboard opens in for this project (viewers may pick another).
    timezone: Mapped[str] = mapped_column(String(64), nullable=False, default="UTC",
                                          server_default="UTC")
    # Analytics readable without any credential by whoever names the project (the seed
    # clients' tokenless reads under /api/compat); off until an admin turns it on.
    public_sharing: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                 server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"<Project {self.slug!r}>"


class Membership(db.Model):
    """A user's role in a project: owner, admin or viewer."""

    __tablename__ = "memberships"
    __table_args__ = (
        CheckConstraint("role IN ('owner', 'admin', 'viewer')", name="role_allowed"),
    )

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(8), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Invitation(db.Model):
    """A single-use link that makes whoever accepts it a member with `role`."""

    __tablename__ = "invitations"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'viewer')", name="invited_role_allowed"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    role: Mapped[str] = mapped_column(String(8), nullable=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ShareLink(db.Model):
    """A public, read-only link to one project's dashboard; only its hash is stored."""

    __tablename__ = "share_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    token_prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiToken(db.Model):
    """A user's personal read-only token for scripts, scoped to chosen projects."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    token_prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiTokenProject(db.Model):
    """One project an API token may read."""

    __tablename__ = "api_token_projects"

    token_id: Mapped[int] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True, index=True)


class Event(db.Model):
    """One tracked interaction: a dashboard click, a page view, a custom event.

    The user's age group and gender are copied in at write time, so analytics never join
    users and count each event under the demographics its user had when it happened.
    """

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_project_occurred_at", "project_id", "occurred_at"),
        Index("ix_events_project_name_occurred_at", "project_id", "name", "occurred_at"),
        # A person's events, found when an identify changes their demographics.
        Index("ix_events_project_anonymous_id", "project_id", "anonymous_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # No foreign key: SQLite cannot add one to a table of millions without copying it, and
    # events of a deleted project are deleted with it by app.projects (rollups too).
    project_id: Mapped[int] = mapped_column(Integer, nullable=False)
    # Client-supplied (or generated) id that makes retries idempotent.
    uuid: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    anonymous_id: Mapped[str | None] = mapped_column(String(64))
    session_id: Mapped[str | None] = mapped_column(String(64))
    page_url: Mapped[str | None] = mapped_column(String(2000))
    referrer: Mapped[str | None] = mapped_column(String(2000))
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    age_group: Mapped[str | None] = mapped_column(String(8))
    gender: Mapped[str | None] = mapped_column(String(16))
    # Website analytics, computed at ingest by app.web. The visitor is "u:<user id>",
    # "a:<anonymous id>" or "h:<keyed hash>"; the source, device and country columns hold
    # the event's visit's values (its first event's), as Plausible does.
    visitor_id: Mapped[str | None] = mapped_column(String(80))
    visit_id: Mapped[str | None] = mapped_column(String(80))
    hostname: Mapped[str | None] = mapped_column(String(255))
    pathname: Mapped[str | None] = mapped_column(String(500))
    referrer_domain: Mapped[str | None] = mapped_column(String(255))
    channel: Mapped[str | None] = mapped_column(String(32))
    utm_source: Mapped[str | None] = mapped_column(String(200))
    utm_medium: Mapped[str | None] = mapped_column(String(200))
    utm_campaign: Mapped[str | None] = mapped_column(String(200))
    utm_term: Mapped[str | None] = mapped_column(String(200))
    utm_content: Mapped[str | None] = mapped_column(String(200))
    browser: Mapped[str | None] = mapped_column(String(64))
    browser_version: Mapped[str | None] = mapped_column(String(16))
    os: Mapped[str | None] = mapped_column(String(64))
    device_type: Mapped[str | None] = mapped_column(String(16))
    country: Mapped[str | None] = mapped_column(String(2))
    # Crawlers and headless browsers: stored, but left out of every figure.
    is_bot: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                         server_default=false())

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.name!r}>"


class Visit(db.Model):
    """One visit (session): a visitor's events with no gap over 30 minutes, or one
    client-supplied session id. Kept up to date at ingest by app.web.visits.
    """

    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_project_started_at", "project_id", "started_at"),
        Index("ix_visits_project_visitor_ended_at", "project_id", "visitor_id", "ended_at"),
    )

    project_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    visitor_id: Mapped[str] = mapped_column(String(80), nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    entry_page: Mapped[str | None] = mapped_column(String(500))
    exit_page: Mapped[str | None] = mapped_column(String(500))
    pageviews: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    events: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    hostname: Mapped[str | None] = mapped_column(String(255))
    referrer_domain: Mapped[str | None] = mapped_column(String(255))
    channel: Mapped[str | None] = mapped_column(String(32))
    utm_source: Mapped[str | None] = mapped_column(String(200))
    utm_medium: Mapped[str | None] = mapped_column(String(200))
    utm_campaign: Mapped[str | None] = mapped_column(String(200))
    utm_term: Mapped[str | None] = mapped_column(String(200))
    utm_content: Mapped[str | None] = mapped_column(String(200))
    browser: Mapped[str | None] = mapped_column(String(64))
    browser_version: Mapped[str | None] = mapped_column(String(16))
    os: Mapped[str | None] = mapped_column(String(64))
    device_type: Mapped[str | None] = mapped_column(String(16))
    country: Mapped[str | None] = mapped_column(String(2))


class VisitSalt(db.Model):
    """The secret of one UTC day that cookieless visitor hashes are keyed with. Rotated
    daily and deleted after 48 hours, so a hash cannot be tied to an address later.
    """

    __tablename__ = "visit_salts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    salt: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)


class RevokedToken(db.Model):
    """A signed-out session's token id, kept until the token would have expired anyway."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)


class IngestKey(db.Model):
    """A write-only key for websites and apps sending events; only its hash is stored."""

    __tablename__ = "ingest_keys"
    # Key names are unique within a project.
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    # The first characters of the key, so an operator can tell keys apart.
    key_prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Only import keys may send events older than a week (they rewrite past charts).
    allows_import: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                server_default=false())
    # The site a Plausible tracker names in its events ("example.com"): such events are
    # this key's, as Plausible finds a site by its domain. At most one key per domain.
    site_domain: Mapped[str | None] = mapped_column(String(253), unique=True, index=True)

    def __repr__(self) -> str:
        return f"<IngestKey {self.name!r}>"


# Rollup tables are declared in app/rollups/definition.py and built by app/rollups/tables.py.
# Anonymous events have no demographics; rollups store NO_VALUE for them because
# primary-key columns cannot be NULL.
NO_VALUE = "-"


# The web rollups and visitor-day tables are declared in app/web/tables.py; importing it
# here puts them in the metadata wherever the models are (migrations' drift check).
import app.web.tables  # noqa: E402,F401

# People (app/people) are declared in app/people/models.py, and are importable from here.
from app.people.models import Person, PersonDistinctId  # noqa: E402,F401
