"""Ingestion keys: write-only credentials for websites and apps, stored as SHA-256 hashes."""

import hashlib
import secrets

from sqlalchemy import select

from app.extensions import db
from app.models import IngestKey, utcnow

KEY_PREFIX = "obk_"
# Keys carry 256 random bits, so a fast hash is enough: nothing to brute-force.
KEY_RANDOM_BYTES = 32


class KeyNameTakenError(Exception):
    """A key with this name exists already (revoked keys keep their names)."""


def hash_key(raw_key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def create_key(name: str) -> tuple[IngestKey, str]:
    """Create a key; the raw key is returned once and never stored."""
    if db.session.execute(select(IngestKey.id).where(IngestKey.name == name)).first():
        raise KeyNameTakenError(name)
    raw_key = KEY_PREFIX + secrets.token_urlsafe(KEY_RANDOM_BYTES)
    key = IngestKey(name=name, key_hash=hash_key(raw_key), key_prefix=raw_key[:12])
    db.session.add(key)
    db.session.commit()
    return key, raw_key


def revoke_key(name: str) -> IngestKey | None:
    """Revoke a key by name; None when there is no such key."""
    key = db.session.execute(select(IngestKey).where(IngestKey.name == name)).scalar_one_or_none()
    if key is not None and key.revoked_at is None:
        key.revoked_at = utcnow()
        db.session.commit()
    return key


def find_active_key(raw_key: str) -> IngestKey | None:
    """The unrevoked key matching `raw_key`, if any."""
    if not raw_key.startswith(KEY_PREFIX) or len(raw_key) > 128:
        return None
    query = select(IngestKey).where(IngestKey.key_hash == hash_key(raw_key),
                                    IngestKey.revoked_at.is_(None))
    return db.session.execute(query).scalar_one_or_none()


def list_keys() -> list[IngestKey]:
    """Every key, newest first."""
    return list(db.session.execute(
        select(IngestKey).order_by(IngestKey.created_at.desc())).scalars())
