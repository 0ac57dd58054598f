"""Revoked sessions: signed-out token ids, and each user's "sessions valid after" cut-off.

The database always records both, and is read whenever Redis cannot answer. A token id
whose Redis write failed (or that Redis evicted or lost) is not re-read from the database
once Redis answers again: Redis must run with noeviction, and such a token stays usable
until it expires (JWT_ACCESS_TOKEN_MINUTES). With REDIS_URL set, Redis holds them too
(each key expiring when it stops mattering), and the check every authenticated request
makes is one MGET instead of a query.
"""

import math
from datetime import datetime
from typing import NamedTuple

from flask import current_app

from app.auth import data
from app.models import utcnow
from app.redis_client import REDIS_ERRORS, WarnOnce, redis_client

REVOKED_KEY_PREFIX = "ouroboard:session:revoked:"
VALID_AFTER_KEY_PREFIX = "ouroboard:session:valid_after:"

redis_trouble = WarnOnce("Session revocation in Redis failed; the database answers instead")


class RevocationState(NamedTuple):
    """What the stores know about one token: its id signed out, and its user's cut-off."""

    token_revoked: bool
    sessions_valid_after: datetime | None


def revoke_token(jti: str, expires_at: datetime) -> None:
    """Revoke one token until it would have expired anyway; purge ids that have expired."""
    now = utcnow()
    data.purge_expired_revoked_tokens(now)
    data.store_revoked_token(jti, expires_at)
    seconds_left = math.ceil((expires_at - now).total_seconds())
    if seconds_left > 0:
        write_redis(REVOKED_KEY_PREFIX + jti, "1", seconds_left)


def revoke_sessions_before(user_id: int, moment: datetime) -> None:
    """Revoke every session of the user issued before `moment`."""
    data.set_sessions_valid_after(user_id, moment)
    announce_cutoff(user_id, moment)


def announce_cutoff(user_id: int, moment: datetime) -> None:
    """Copy a cut-off already stored in the database to Redis, when configured."""
    # Older sessions all end by their absolute lifetime, so the key can go then.
    lifetime = math.ceil(current_app.config["SESSION_MAX_AGE"].total_seconds())
    write_redis(VALID_AFTER_KEY_PREFIX + str(user_id), repr(moment.timestamp()), lifetime)


def write_redis(key: str, value: str, seconds: int) -> None:
    """Set a key with an expiry when Redis is configured; a failure is logged, not raised."""
    client = redis_client()
    if client is None:
        return
    try:
        client.set(key, value, ex=seconds)
        redis_trouble.recovered()
    except REDIS_ERRORS as exc:
        redis_trouble.failed(exc)


def read_redis_state(jti: str, user_id: int) -> RevocationState | None:
    """Both facts from Redis in one round trip; None without Redis or when it fails."""
    client = redis_client()
    if client is None:
        return None
    try:
        revoked, valid_after = client.mget(REVOKED_KEY_PREFIX + jti,
                                           VALID_AFTER_KEY_PREFIX + str(user_id))
        redis_trouble.recovered()
    except REDIS_ERRORS as exc:
        redis_trouble.failed(exc)
        return None
    cutoff = None if valid_after is None else datetime.fromtimestamp(float(valid_after),
                                                                     utcnow().tzinfo)
    return RevocationState(revoked is not None, cutoff)


def read_database_state(jti: str, user_id: int) -> RevocationState | None:
    """Both facts from the database in one indexed statement; None when the user is gone."""
    row = data.read_revocation(jti, user_id)
    if row is None:
        return None
    return RevocationState(bool(row.revoked), row.sessions_valid_after)
