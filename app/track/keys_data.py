"""Database access for ingestion keys: every query app.track.keys and the CLI run."""

from datetime import datetime

from sqlalchemy import Row, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import IngestKey, utcnow


def key_name_exists(project_id: int, name: str) -> bool:
    """Return whether the project has a key of this name, revoked or not."""
    query = select(IngestKey.id).where(IngestKey.project_id == project_id,
                                       IngestKey.name == name)
    return db.session.execute(query).first() is not None


def insert_key(key: IngestKey) -> None:
    """Store a new key."""
    db.session.add(key)
    db.session.commit()


def find_key_by_name(project_id: int, name: str) -> IngestKey | None:
    """Return the project's key of this name, revoked or not, or None."""
    return db.session.execute(select(IngestKey).where(
        IngestKey.project_id == project_id, IngestKey.name == name)).scalar_one_or_none()


def find_key_by_id(project_id: int, key_id: int) -> IngestKey | None:
    """Return the project's key with this id, revoked or not, or None."""
    return db.session.execute(select(IngestKey).where(
        IngestKey.project_id == project_id, IngestKey.id == key_id)).scalar_one_or_none()


def mark_revoked(key: IngestKey) -> None:
    """Store that the key is revoked as of now; its site domain is freed for another key."""
    key.revoked_at = utcnow()
    key.site_domain = None
    db.session.commit()


def find_unrevoked_key_by_site_domain(domain: str) -> Row | None:
    """Return the id, name, project and import right of the unrevoked key of this site domain."""
    query = select(IngestKey.id, IngestKey.name, IngestKey.project_id,
                   IngestKey.allows_import).where(
        IngestKey.site_domain == domain, IngestKey.revoked_at.is_(None))
    return db.session.execute(query).first()


def site_domain_holder(domain: str) -> int | None:
    """Return the id of the key holding this site domain, if any."""
    return db.session.execute(select(IngestKey.id).where(
        IngestKey.site_domain == domain)).scalar_one_or_none()


def store_site_domain(key: IngestKey, domain: str | None) -> bool:
    """Give the key this site domain (None clears it); False when another key took it
    meanwhile (the unique index decides a race).
    """
    key.site_domain = domain
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def find_unrevoked_key(key_hash: str) -> Row | None:
    """Return the id, name, project and import right of the unrevoked key with this hash."""
    query = select(IngestKey.id, IngestKey.name, IngestKey.project_id,
                   IngestKey.allows_import).where(
        IngestKey.key_hash == key_hash, IngestKey.revoked_at.is_(None))
    return db.session.execute(query).first()


def note_key_use(key_id: int, now: datetime, stale_before: datetime) -> None:
    """Store that the key was used now, unless a use after `stale_before` is stored already
    (each worker notes a key once per cache period; other workers may have just done so).
    """
    db.session.execute(update(IngestKey).where(
        IngestKey.id == key_id,
        or_(IngestKey.last_used_at.is_(None), IngestKey.last_used_at < stale_before)
    ).values(last_used_at=now))
    db.session.commit()


def list_keys(project_id: int | None = None) -> list[IngestKey]:
    """Return the project's keys (every key without a project), newest first."""
    query = select(IngestKey).order_by(IngestKey.created_at.desc(), IngestKey.id.desc())
    if project_id is not None:
        query = query.where(IngestKey.project_id == project_id)
    return list(db.session.execute(query).scalars())
