"""Ingestion keys: write-only credentials for websites and apps, stored as SHA-256 hashes."""

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import IngestKey, utcnow

KEY_PREFIX = "obk_"
# Keys carry 256 random bits, so a fast hash is enough: nothing to brute-force.
KEY_RANDOM_BYTES = 32


# Every ingest request presents its key: a worker remembers a verified key this long
# instead of asking the database each time, so a revocation made elsewhere (the CLI, another
# worker) takes effect within this many seconds; in the revoking process, at once.
KEY_CACHE_SECONDS = 10.0


@dataclass(frozen=True)
class ActiveKey:
    """A verified, unrevoked ingestion key as requests see it."""

    id: int
    name: str


VERIFIED_KEYS = "ouroboard.verified_ingest_keys"
_verified_lock = threading.Lock()


def verified_keys() -> dict[str, tuple[ActiveKey, float]]:
    """This application's remembered keys (per app: each test app has its own database)."""
    return current_app.extensions.setdefault(VERIFIED_KEYS, {})


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
        with _verified_lock:
            verified_keys().clear()
    return key


def find_active_key(raw_key: str) -> ActiveKey | None:
    """The unrevoked key matching `raw_key`, if any (remembered for KEY_CACHE_SECONDS)."""
    if not raw_key.startswith(KEY_PREFIX) or len(raw_key) > 128:
        return None
    key_hash = hash_key(raw_key)
    now = time.monotonic()
    remembered = verified_keys().get(key_hash)
    if remembered is not None and remembered[1] > now:
        return remembered[0]
    query = select(IngestKey.id, IngestKey.name).where(IngestKey.key_hash == key_hash,
                                                       IngestKey.revoked_at.is_(None))
    row = db.session.execute(query).first()
    if row is None:
        return None
    key = ActiveKey(id=row.id, name=row.name)
    with _verified_lock:
        verified_keys()[key_hash] = (key, now + KEY_CACHE_SECONDS)
    return key


def list_keys() -> list[IngestKey]:
    """Every key, newest first."""
    return list(db.session.execute(
        select(IngestKey).order_by(IngestKey.created_at.desc())).scalars())
