"""Database access for ingestion keys: every query app.track.keys and the CLI run."""

from sqlalchemy import Row, select

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


def mark_revoked(key: IngestKey) -> None:
    """Store that the key is revoked as of now."""
    key.revoked_at = utcnow()
    db.session.commit()


def find_unrevoked_key(key_hash: str) -> Row | None:
    """Return the id, name, project and import right of the unrevoked key with this hash."""
    query = select(IngestKey.id, IngestKey.name, IngestKey.project_id,
                   IngestKey.allows_import).where(
        IngestKey.key_hash == key_hash, IngestKey.revoked_at.is_(None))
    return db.session.execute(query).first()


def list_keys() -> list[IngestKey]:
    """Return every key, newest first."""
    return list(db.session.execute(
        select(IngestKey).order_by(IngestKey.created_at.desc())).scalars())
