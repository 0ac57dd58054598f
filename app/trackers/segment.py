"""Segment's HTTP Tracking API: Segment's libraries (analytics-python, analytics-node,
analytics.js) send here unchanged once their host is this server, with an ingestion key
as the write key (HTTP Basic user name, or `writeKey` in the body).

`/v1/track`, `/v1/page`, `/v1/screen`, `/v1/identify`, `/v1/alias`, `/v1/group` and
`/v1/batch` (and the one-letter paths analytics.js posts to: `/v1/t`, `/v1/p`, ...,
`/v1/b`) answer `{"success": true}` as Segment does. track, page and screen are stored as
events (page as our page view); identify and alias set traits and link ids through
app.people and store no event, as Segment keeps them apart from tracks; group is taken and
ignored. `/v1/projects/<key>/settings` is what analytics.js loads from Segment's CDN, so
its `cdnURL` can point here.
"""

from flask import current_app, request

from app.blueprint import ApiBlueprint
from app.track.errors import BatchTooLarge
from app.trackers.common import key_sender
from app.trackers.posthog_body import ingest_rate_limit_by, request_json
from app.trackers.posthog_delivery import deliver
from app.trackers.segment_events import (
    message_count,
    messages_of,
    raw_key_of,
    sent_at_of,
    translate,
)
from app.trackers.segment_schemas import (
    SegmentBatchSchema,
    SegmentMessageSchema,
    SegmentResultSchema,
    SegmentSettingsSchema,
)

segment_bp = ApiBlueprint("segment", __name__, url_prefix="/v1",
                          description="Segment's HTTP Tracking API: Segment's libraries send "
                                      "here unchanged.")

MESSAGE_KINDS = ("track", "page", "screen", "identify", "alias", "group")
BODY_TYPES = ("application/json", "text/plain")
MESSAGE_BODY = {"required": True, "content": {mimetype: {"schema": SegmentMessageSchema}
                                              for mimetype in BODY_TYPES}}
BATCH_BODY = {"required": True, "content": {mimetype: {"schema": SegmentBatchSchema}
                                            for mimetype in BODY_TYPES}}

message_rate_limit = ingest_rate_limit_by(raw_key_of, message_count)


def documented(view):
    """The answers every Segment endpoint gives."""
    view = segment_bp.response(200, SegmentResultSchema,
                               description="Taken; invalid batch messages listed in rejected")(view)
    for status, description in (
            (400, "Malformed or undecodable body, or a lone message that is invalid"),
            (401, "Unknown or revoked write key"),
            (413, "More than 500 messages, or a body over 1 MiB (once decompressed)"),
            (415, "A Content-Encoding other than gzip or deflate"),
            (429, "Rate limit exceeded (the key's ingest budget)"),
            (503, "Database unavailable; retry after Retry-After")):
        view = segment_bp.alt_response(status, description=description)(view)
    return view


def receive(kind: str) -> dict:
    """Take one message of `kind`, or a batch ("batch"), as Segment's answer."""
    body = request_json()
    sender = key_sender(raw_key_of(body))
    messages, single = messages_of(body, kind)
    limit = current_app.config["INGEST_MAX_BATCH_EVENTS"]
    if len(messages) > limit:
        raise BatchTooLarge(f"A batch holds at most {limit} messages")
    translation = translate(sender.project_id, messages)
    result = deliver(sender, translation, sent_at=sent_at_of(body, messages), single=single)
    return {"success": True, **result}


@segment_bp.route("/batch", methods=["POST"])
@message_rate_limit
@segment_bp.doc(requestBody=BATCH_BODY)
@documented
def batch():
    """Record a batch of Segment messages (what Segment's libraries send; analytics.js in
    batching mode sends it to /v1/b).
    """
    return receive("batch")


def message_view(kind: str):
    """The view of /v1/<kind>: one message of that type."""

    def view():
        return receive(kind)

    view.__name__ = kind
    view.__doc__ = (f"Record one Segment {kind} message (analytics.js sends it to "
                    f"/v1/{kind[0]}).")
    return message_rate_limit(segment_bp.doc(requestBody=MESSAGE_BODY)(documented(view)))


@segment_bp.route("/projects/<string:write_key>/settings", methods=["GET"], parameters=[{
    "in": "path", "name": "write_key", "description": "The write key (an ingestion key)",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,128}$"}}])
@message_rate_limit
@segment_bp.response(200, SegmentSettingsSchema)
@segment_bp.alt_response(401, description="Unknown or revoked write key")
@segment_bp.alt_response(429, description="Rate limit exceeded")
def settings(write_key: str):
    """analytics.js's settings, when its cdnURL is this server: send every event here, to
    no other destination.
    """
    key_sender(write_key)
    return browser_settings(write_key, request.host, request.scheme)


def browser_settings(write_key: str, host: str, scheme: str) -> dict:
    """What analytics.js reads from Segment's CDN: only its own Segment.io destination,
    pointed at this server (`host` and `scheme` as the browser reached it), no metrics.
    """
    return {"integrations": {"Segment.io": {"apiKey": write_key, "apiHost": f"{host}/v1",
                                            "protocol": "https" if scheme == "https" else "http"}},
            "plan": {}, "metrics": {"sampleRate": 0}, "remotePlugins": [],
            "enabledMiddleware": {}}


# analytics.js posts each message to the type's first letter (/v1/t, /v1/p, ...).
for message_kind in MESSAGE_KINDS:
    message_view_function = message_view(message_kind)
    segment_bp.add_url_rule(f"/{message_kind}", endpoint=message_kind,
                            view_func=message_view_function, methods=["POST"])
    segment_bp.add_url_rule(f"/{message_kind[0]}", endpoint=f"{message_kind}_short",
                            view_func=message_view_function, methods=["POST"])
segment_bp.add_url_rule("/b", endpoint="batch_short", view_func=batch, methods=["POST"])
