"""Who is sending events: a logged-in user or a site holding an ingestion key, and the
rate-limit bucket they draw on. Besides the routes, the only ingest module that reads the
request.
"""

import functools
import hashlib
from dataclasses import dataclass

from flask import current_app, g, request
from flask_jwt_extended import current_user, get_jwt, verify_jwt_in_request

from app.auth.sessions import SessionUser
from app.projects.builtin import self_tracking_project_id
from app.request_guards import is_json_mimetype
from app.track.errors import InvalidIngestKey, UnsupportedContentType
from app.track.keys import ActiveKey, find_active_key

KEY_HEADER = "X-Ouroboard-Key"


@dataclass(frozen=True)
class Sender:
    """Who events are attributed to: a logged-in user, or a site holding an ingestion key."""

    user: SessionUser | None = None
    key: ActiveKey | None = None

    @property
    def project_id(self) -> int:
        """Where the events go: the key's project, else (the dashboard's own clicks) the
        self-tracking project.
        """
        return self.key.project_id if self.key is not None else self_tracking_project_id()


def raw_key_from(body) -> str | None:
    """The ingestion key from the header or, for beacons that cannot set headers, the body."""
    header_key = request.headers.get(KEY_HEADER)
    if header_key:
        return header_key
    if isinstance(body, dict) and body.get("key") is not None:
        return body["key"] if isinstance(body["key"], str) else ""
    return None


def resolve_sender(body) -> Sender:
    """Authenticate the request: an ingestion key, or a user session (cookie needs CSRF)."""
    raw_key = raw_key_from(body)
    if raw_key is not None:
        key = find_active_key(raw_key) if raw_key else None
        if key is None:
            raise InvalidIngestKey("Invalid or revoked ingestion key")
        return Sender(key=key)
    if not is_json_mimetype(request.mimetype) and request.get_data(cache=True).strip():
        # text/plain is allowed only for key-authenticated beacons.
        raise UnsupportedContentType("Unsupported content type: send application/json",
                                     details={"content_type": [request.mimetype or "missing"]})
    verify_user_once()
    return current_sender()


def current_sender() -> Sender:
    """The verified, logged-in user as a Sender."""
    # The object itself: row building reads it for every event, and the proxy is slow.
    return Sender(user=current_user._get_current_object())


def user_required(view):
    """jwt_required() for ingestion views, reusing the rate-limit key's verification."""

    @functools.wraps(view)
    def verified_view(*args, **kwargs):
        verify_user_once()
        return view(*args, **kwargs)

    return verified_view


def verify_user_once() -> None:
    """verify_jwt_in_request, at most once per request: the rate-limit key usually has
    verified the token already, and decoding a JWT is the dearest step of a /track call.
    """
    if not g.get("ingest_jwt_verified"):
        verify_jwt_in_request()
        g.ingest_jwt_verified = True


def rate_limit_key() -> str:
    """Bucket for ingest rate limits: the key, else the user, else the client address.

    Flask-Limiter asks several times per request; decoding the token once is enough.
    """
    if "ingest_rate_limit_key" not in g:
        g.ingest_rate_limit_key = compute_rate_limit_key()
    return g.ingest_rate_limit_key


def rate_limit_cost() -> int:
    """What this request draws from INGEST_RATE_LIMIT: one per event it carries.

    Counted on the parsed body before any event is validated or stored, so a batch of 500
    costs 500 and a lone event 1. A batch over the size limit costs one more than the limit
    (it is refused with 413, and must not cost more than the biggest acceptable batch).
    """
    body = request.get_json(force=True, silent=True)
    events = body.get("events") if isinstance(body, dict) else None
    if not isinstance(events, list):
        return 1
    return max(1, min(len(events), current_app.config["INGEST_MAX_BATCH_EVENTS"] + 1))


def compute_rate_limit_key() -> str:
    """The rate-limit bucket of this request, computed (see rate_limit_key)."""
    raw_key = raw_key_from(request.get_json(force=True, silent=True))
    if raw_key:
        return key_rate_limit_key(raw_key)
    subject = None
    try:
        # Verified here, not merely decoded (a forged token must not pick someone else's
        # bucket), and remembered so the view does not verify it a second time.
        if verify_jwt_in_request(optional=True):
            g.ingest_jwt_verified = True
            subject = get_jwt()["sub"]
    except Exception:  # noqa: BLE001 - the view reports a bad token; limit by address
        subject = None
    return f"ingest-user:{subject}" if subject else f"ingest-ip:{request.remote_addr}"


def key_rate_limit_key(raw_key: str) -> str:
    """The bucket of an ingestion key, whichever API (ours or a tracker's) it comes by."""
    return "ingest-key:" + hashlib.sha256(raw_key.encode("utf-8")).hexdigest()[:16]
