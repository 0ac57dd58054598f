"""Umami's collection API, POST /api/send: what Umami's script and @umami/node post,
{type, payload: {website, hostname, url, referrer, title, name, data, ...}}, with one of our
ingestion keys as the website id.

An "event" without a name is a page view; its title and data become properties. An
"identify" sets the traits (payload.data) of the person payload.id names. Our answer is
`{}`: the script reads only `cache` (a session token it would send back) and `disabled`,
and needs neither.
"""

from datetime import UTC, datetime

import marshmallow as ma
from flask import request

from app.blueprint import ApiBlueprint
from app.extensions import limiter
from app.people.service import identify
from app.track.routes import ingest_limit
from app.track.sender import Sender, key_rate_limit_key, rate_limit_cost
from app.trackers.common import PAGEVIEW, event_name, ingest_events, key_sender

umami_bp = ApiBlueprint("umami", __name__, url_prefix="/api",
                        description="Umami's collection API: its script and @umami/node send "
                                    "here unchanged, with an ingestion key as website id.")

# Umami's web vitals and engagement pings: not events in our model, so they are answered
# and dropped, as Umami's tracker needs no more than an answer.
DROPPED_TYPES = ("performance", "engagement")


class UmamiPayloadSchema(ma.Schema):
    """What an Umami event or identify carries; other fields (screen, language, lcp, ...)
    are accepted and ignored.
    """

    class Meta:
        """Fields the tools send that we do not use are ignored, not refused."""

        unknown = ma.EXCLUDE

    website = ma.fields.String(required=True, metadata={
        "description": "The website id: here, an ingestion key (obk_...)"})
    hostname = ma.fields.String(allow_none=True, metadata={
        "description": "The site's host, for a url sent as a path"})
    url = ma.fields.String(allow_none=True, metadata={"description": "The page: URL or path"})
    referrer = ma.fields.String(allow_none=True, metadata={
        "description": "Where the visitor came from: URL or path"})
    title = ma.fields.String(allow_none=True, metadata={
        "description": "The page title, kept as the property title"})
    name = ma.fields.String(allow_none=True, metadata={
        "description": "A custom event's name; none for a page view"})
    data = ma.fields.Dict(allow_none=True, metadata={
        "description": "Event properties; for identify, the person's traits"})
    tag = ma.fields.String(allow_none=True, metadata={
        "description": "Umami's tag (an A/B variant), kept as the property tag"})
    id = ma.fields.String(allow_none=True, metadata={
        "description": "The identified person's distinct id (after umami.identify)"})
    vid = ma.fields.String(allow_none=True, metadata={
        "description": "The script's visitor id (identity stitching), our anonymous id"})
    timestamp = ma.fields.Integer(allow_none=True, strict=False, metadata={
        "description": "When it happened, in Unix seconds; default: now"})


class UmamiSendSchema(ma.Schema):
    """One Umami collection call."""

    type = ma.fields.String(required=True, validate=ma.validate.OneOf(
        ("event", "identify", *DROPPED_TYPES)), metadata={
        "description": "event or identify (performance and engagement are answered, not kept)"})
    payload = ma.fields.Nested(UmamiPayloadSchema, required=True, metadata={
        "description": "The event or identify"})


class UmamiAnswerSchema(ma.Schema):
    """Umami's answer, without the session cache token (nothing needs it back)."""


def absolute(link: str | None, hostname: str | None) -> str | None:
    """A URL for a path the script sent beside its hostname ("/about" on example.com)."""
    if link and link.startswith("/") and not link.startswith("//") and hostname:
        return f"https://{hostname}{link}"
    return link or None


def occurred_at(seconds: int | None) -> str | None:
    """Unix seconds as ISO 8601 (our time rules then apply); None is now."""
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        return "out of range"  # refused by validation, with its message


def our_event(payload: dict) -> dict:
    """The event as POST /api/v1/events takes it."""
    properties = {key: payload[key] for key in ("title", "tag") if payload.get(key)}
    properties.update(payload.get("data") or {})
    name = payload.get("name")
    return {"name": (event_name(name) or name) if name else PAGEVIEW,
            "anonymous_id": payload.get("id") or payload.get("vid"),
            "page_url": absolute(payload.get("url"), payload.get("hostname")),
            "referrer": absolute(payload.get("referrer"), payload.get("hostname")),
            "timestamp": occurred_at(payload.get("timestamp")),
            "properties": properties or None}


def identify_visitor(sender: Sender, payload: dict) -> None:
    """Set the traits of the person payload.id names (a sign-in), or of the script's
    visitor id (vid) alone (traits of a visitor, not a sign-in). Without either, Umami keeps
    the traits on its session; ours have no id any event carries, so they are not kept.
    """
    distinct_id = payload.get("id") or payload.get("vid")
    if not distinct_id:
        return
    anonymous_id = payload.get("vid") if payload.get("id") else None
    identify(sender.project_id, distinct_id, payload.get("data"), anonymous_id=anonymous_id,
             identified=bool(payload.get("id")))


def record(call: dict) -> None:
    """Store an event, or identify, for the project of the website's key."""
    payload = call["payload"]
    sender = key_sender(payload["website"])
    if call["type"] == "event":
        ingest_events(sender, [our_event(payload)], single=True)
    elif call["type"] == "identify":
        identify_visitor(sender, payload)


def website_rate_limit_key() -> str:
    """The request's rate-limit bucket: its website id's, the very bucket /api/v1 gives
    that key, so one budget covers both.
    """
    body = request.get_json(force=True, silent=True)
    payload = body.get("payload") if isinstance(body, dict) else None
    website = payload.get("website") if isinstance(payload, dict) else None
    if isinstance(website, str) and website:
        return key_rate_limit_key(website)
    return f"ingest-ip:{request.remote_addr}"


website_rate_limit = limiter.shared_limit(ingest_limit, scope="ingest",
                                          key_func=website_rate_limit_key, cost=rate_limit_cost)


@umami_bp.route("/send", methods=["POST"])
@website_rate_limit
@umami_bp.arguments(UmamiSendSchema())
@umami_bp.response(200, UmamiAnswerSchema, description="Recorded (performance and "
                                                          "engagement calls: answered only)")
@umami_bp.alt_response(400, description="Malformed JSON, or an invalid event or identify")
@umami_bp.alt_response(401, description="The website id is no active ingestion key")
@umami_bp.alt_response(413, description="More than 1 MiB")
@umami_bp.alt_response(415, description="Not JSON")
@umami_bp.alt_response(429, description="Rate limit exceeded")
@umami_bp.alt_response(503, description="Database unavailable; retry after Retry-After")
def umami_send(call: dict):
    """Record an Umami event (no name: a page view) or identify for the project of the
    key sent as website id; answers {} (Umami's session cache token is not needed).
    """
    record(call)
    return {}
