"""Ingestion keys: write-only credentials for websites and apps, stored as SHA-256 hashes."""

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import OperationalError, SQLAlchemyError

from app.extensions import db
from app.models import IngestKey, utcnow
from app.track import keys_data
from app.ttl_cache import TtlCache, app_cache

KEY_PREFIX = "obk_"
# Keys carry 256 random bits, so a fast hash is enough: nothing to brute-force.
KEY_RANDOM_BYTES = 32


# Every ingest request presents its key: a worker remembers a verified key this long
# instead of asking the database each time, so a revocation made elsewhere (the CLI, another
# worker) takes effect within this many seconds; in the revoking process, at once.
KEY_CACHE_SECONDS = 10.0
# How long past that a verified key is still believed while the database cannot be asked.
KEY_STALE_SECONDS = 900.0

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ActiveKey:
    """A verified, unrevoked ingestion key as requests see it."""

    id: int
    name: str
    project_id: int
    # May send events older than MAX_BACKDATE_DAYS (up to 400 days): importing history.
    allows_import: bool = False


VERIFIED_KEYS = "ouroboard.verified_ingest_keys"


def verified_keys() -> TtlCache:
    """Return this application's remembered keys, by hash."""
    return app_cache(VERIFIED_KEYS, KEY_CACHE_SECONDS)


class KeyNameTakenError(Exception):
    """A key with this name exists already (revoked keys keep their names)."""


class SiteDomainTakenError(Exception):
    """Another key holds this site domain (a domain names one project's key)."""


class InvalidSiteDomainError(ValueError):
    """Text that is no host name, even once scheme, port, path and "www." are cut off."""


# A host name as Plausible's data-domain names a site: dot-separated labels of letters,
# digits, '-' and '_' (punycode for others), at most 253 characters.
SITE_DOMAIN = re.compile(r"(?=.{1,253}\Z)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
                         r"(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\Z")
# What the site-domain cache remembers for a domain no key holds, so an unknown domain
# costs one query per worker per KEY_CACHE_SECONDS, not one per event.
NO_KEY = False


def hash_key(raw_key: str) -> str:
    """Return the stored form of a key."""
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def create_key(project_id: int, name: str, allows_import: bool = False,
               site_domain: str | None = None) -> tuple[IngestKey, str]:
    """Create a key sending to the project (an import key may backdate events; a site
    domain takes Plausible events naming it); the raw key is returned once, never stored.
    """
    if keys_data.key_name_exists(project_id, name):
        raise KeyNameTakenError(name)
    domain = normalize_site_domain(site_domain) if site_domain else None
    if domain is not None and keys_data.site_domain_holder(domain) is not None:
        raise SiteDomainTakenError(domain)
    raw_key = KEY_PREFIX + secrets.token_urlsafe(KEY_RANDOM_BYTES)
    key = IngestKey(project_id=project_id, name=name, key_hash=hash_key(raw_key),
                    key_prefix=raw_key[:12], allows_import=allows_import,
                    site_domain=domain)
    keys_data.insert_key(key)
    return key, raw_key


def normalize_site_domain(text: str) -> str:
    """The site domain as stored and looked up: "https://WWW.Example.com:443/blog" and
    "example.com." are "example.com". Raises InvalidSiteDomainError for anything else.
    """
    host = text.strip().lower()
    host = re.sub(r"\A[a-z][a-z0-9+.-]*://", "", host)
    host = re.split(r"[/?#]", host, maxsplit=1)[0]
    host = host.rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".").removeprefix("www.")
    try:
        host = host.encode("idna").decode("ascii")  # bücher.de -> xn--bcher-kva.de
    except UnicodeError:
        raise InvalidSiteDomainError(text) from None
    if not SITE_DOMAIN.match(host):
        raise InvalidSiteDomainError(text)
    return host


def set_site_domain(project_id: int, key_id: int, site_domain: str | None
                    ) -> IngestKey | None:
    """Give the project's unrevoked key this site domain, or none; None when there is no
    such key. Raises InvalidSiteDomainError, or SiteDomainTakenError when another key
    holds the domain.
    """
    key = keys_data.find_key_by_id(project_id, key_id)
    if key is None or key.revoked_at is not None:
        return None
    domain = normalize_site_domain(site_domain) if site_domain else None
    holder = keys_data.site_domain_holder(domain) if domain is not None else None
    if holder not in (None, key.id) or not keys_data.store_site_domain(key, domain):
        raise SiteDomainTakenError(domain)
    verified_keys().clear()
    return key


def revoke_key(project_id: int, name: str) -> IngestKey | None:
    """Revoke the project's key by name; None when there is no such key."""
    key = keys_data.find_key_by_name(project_id, name)
    if key is not None and key.revoked_at is None:
        keys_data.mark_revoked(key)
        verified_keys().clear()
    return key


def revoke_key_by_id(project_id: int, key_id: int) -> IngestKey | None:
    """Revoke the project's key with this id (again is fine); None when there is none."""
    key = keys_data.find_key_by_id(project_id, key_id)
    if key is not None and key.revoked_at is None:
        keys_data.mark_revoked(key)
        verified_keys().clear()
    return key


def project_keys(project_id: int) -> list[IngestKey]:
    """The project's keys, revoked ones included, newest first."""
    return keys_data.list_keys(project_id)


def forget_verified_keys() -> None:
    """Make this process read every key from the database again (a project was deleted)."""
    verified_keys().clear()


def find_active_key(raw_key: str) -> ActiveKey | None:
    """Return the unrevoked key matching `raw_key`, if any (remembered for KEY_CACHE_SECONDS)."""
    if not raw_key.startswith(KEY_PREFIX) or len(raw_key) > 128:
        return None
    key_hash = hash_key(raw_key)
    # With the database down, a key verified in the last KEY_STALE_SECONDS still sends:
    # under INGEST_QUEUE the events wait in Redis, and nobody can revoke a key meanwhile.
    return verified_keys().get_or_load(key_hash, lambda: read_active_key(key_hash),
                                       stale_if=(SQLAlchemyError,),
                                       stale_seconds=KEY_STALE_SECONDS)


def find_key_by_site_domain(site_domain: str) -> ActiveKey | None:
    """Return the unrevoked key holding this site domain (as normalize_site_domain gives
    it), if any; remembered, found or not, like find_active_key.
    """
    found = verified_keys().get_or_load(
        ("site", site_domain), lambda: read_active_key(site_domain, by_site=True) or NO_KEY,
        stale_if=(SQLAlchemyError,), stale_seconds=KEY_STALE_SECONDS)
    return found or None


def read_active_key(key_hash: str, by_site: bool = False) -> ActiveKey | None:
    """Read from the database the unrevoked key stored with this hash (or, by_site, the
    one holding this site domain), if any.
    """
    try:
        row = (keys_data.find_unrevoked_key_by_site_domain(key_hash) if by_site
               else keys_data.find_unrevoked_key(key_hash))
    except SQLAlchemyError:
        db.session.rollback()  # the request goes on without the database, if it can
        raise
    if row is None:
        return None
    note_use(row.id)
    return ActiveKey(id=row.id, name=row.name, project_id=row.project_id,
                     allows_import=row.allows_import)


def note_use(key_id: int) -> None:
    """Record the key's last use: called when a worker reads the key from the database, so
    at most once per KEY_CACHE_SECONDS per worker. Best effort: a busy database must not
    refuse the events the key sends.
    """
    now = utcnow()
    try:
        keys_data.note_key_use(key_id, now, now - timedelta(seconds=KEY_CACHE_SECONDS))
    except OperationalError as exc:
        db.session.rollback()
        log.warning("could not record the use of ingestion key %s: %s", key_id, exc)
