"""The daily salt cookieless visitors are hashed with.

A visitor without an anonymous id is a keyed hash of (salt, project, address,
User-Agent). Each UTC day has its own random salt; salts older than yesterday's are
deleted, so 48 hours after a day began nobody, the operator included, can link its hashes
to an address. The address itself is never stored.
"""

import hashlib
import secrets
import threading
from datetime import UTC, date, datetime, timedelta

from flask import Flask, current_app

from app.extensions import per_app
from app.web import data

SALT_EXTENSION_KEY = "ouroboard.web.salt"


class SaltCache:
    """This app's salt of the current UTC day, read from the database once a day."""

    def __init__(self):
        self.day: date | None = None
        self.salt = b""
        self.lock = threading.Lock()

    def salt_for(self, today: date) -> bytes:
        """Today's salt, created (and the expired ones deleted) on the day's first use."""
        with self.lock:
            if self.day != today:
                self.salt = data.rotate_salts(today, secrets.token_bytes(32),
                                              keep_after=today - timedelta(days=1))
                self.day = today
            return self.salt


def salt_cache(app: Flask) -> SaltCache:
    """The app's salt cache (one per app, so two test apps never share a salt)."""
    return per_app(app, SALT_EXTENSION_KEY, SaltCache)


def visitor_hash(project_id: int, ip: str | None, user_agent: str | None) -> str:
    """"h:" and 32 hex digits: the same client in the same project on the same UTC day
    gets the same visitor, on another day or in another project a different one.
    """
    salt = salt_cache(current_app).salt_for(datetime.now(UTC).date())
    digest = hashlib.blake2b(f"{project_id}\x00{ip or ''}\x00{user_agent or ''}".encode(),
                             key=salt, digest_size=16)
    return "h:" + digest.hexdigest()
