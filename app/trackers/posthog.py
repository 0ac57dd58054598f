"""PostHog's capture API: posthog-js, posthog-python and PostHog's other libraries send here
unchanged once their host is this server (`api_host` / `host`), with an ingestion key as
the project API key.

`/capture/`, `/batch/`, `/e/` and `/i/v0/e/` (each also without its trailing slash) take
one event, a list, or `{"batch": [...]}`, in any encoding the libraries use, and answer
`{"status": 1}` as PostHog does. `$pageview` is our page view, `$identify`, `$set`,
`$set_once` and `$create_alias` set traits and link ids (app.people); `/decide/`,
`/flags/` and `/array/<key>/config` answer that there are no feature flags.
"""

from flask import current_app

from app.blueprint import ApiBlueprint
from app.track.errors import BatchTooLarge
from app.trackers.common import key_sender
from app.trackers.posthog_body import ingest_rate_limit_by, request_json
from app.trackers.posthog_delivery import deliver
from app.trackers.posthog_events import (
    message_count,
    messages_of,
    raw_key_of,
    sent_at_of,
    translate,
)
from app.trackers.posthog_schemas import (
    PostHogBatchSchema,
    PostHogCaptureResultSchema,
    PostHogEventSchema,
    PostHogFlagsSchema,
)

posthog_bp = ApiBlueprint("posthog", __name__,
                          description="PostHog's capture API: posthog-js, posthog-python and "
                                      "the other PostHog libraries send here unchanged.")

CAPTURE_PATHS = ("/capture/", "/capture", "/batch/", "/batch", "/e/", "/e", "/i/v0/e/",
                 "/i/v0/e")
FLAGS_PATHS = ("/decide/", "/decide", "/flags/", "/flags")
# Every body encoding the libraries send: JSON, gzip (`?compression=gzip-js` or
# Content-Encoding), and forms whose `data` is base64 or lz-string.
BODY_TYPES = ("application/json", "text/plain", "application/x-www-form-urlencoded")
CAPTURE_BODY = {"required": True, "content": {mimetype: {"schema": {"oneOf": [
    PostHogEventSchema, {"type": "array", "items": PostHogEventSchema}, PostHogBatchSchema,
]}} for mimetype in BODY_TYPES}}
NO_FLAGS = {
    "flags": {}, "featureFlags": {}, "featureFlagPayloads": {},
    "errorsWhileComputingFlags": False, "quotaLimited": [], "config": {},
    "supportedCompression": ["gzip", "gzip-js", "base64", "lz64"],
    "elementsChainAsString": True, "sessionRecording": False, "surveys": False,
    "heatmaps": False, "siteApps": [],
}

capture_rate_limit = ingest_rate_limit_by(raw_key_of, message_count)
flags_rate_limit = ingest_rate_limit_by(raw_key_of, lambda body: 1)


def endpoint_of(path: str) -> str:
    """A distinct endpoint per path, so the OpenAPI document lists each one."""
    return path.strip("/").replace("/", "_") + ("_slash" if path.endswith("/") else "")


@capture_rate_limit
@posthog_bp.doc(requestBody=CAPTURE_BODY)
@posthog_bp.response(200, PostHogCaptureResultSchema,
                     description="Taken; events that failed validation are listed in rejected")
@posthog_bp.alt_response(400, description="Malformed or undecodable body, or a lone event "
                                          "without distinct_id or otherwise invalid")
@posthog_bp.alt_response(401, description="Unknown or revoked API key")
@posthog_bp.alt_response(413, description="More than 500 events, or a body over 1 MiB "
                                          "(once decompressed)")
@posthog_bp.alt_response(415, description="A Content-Encoding other than gzip or deflate")
@posthog_bp.alt_response(429, description="Rate limit exceeded (the key's ingest budget)")
@posthog_bp.alt_response(503, description="Database unavailable; retry after Retry-After")
def capture():
    """Record PostHog events: one event, a list (posthog-js) or a batch (posthog-python)."""
    body = request_json()
    sender = key_sender(raw_key_of(body))
    messages, single = messages_of(body)
    limit = current_app.config["INGEST_MAX_BATCH_EVENTS"]
    if len(messages) > limit:
        raise BatchTooLarge(f"A batch holds at most {limit} events")
    sent_at = sent_at_of(body)
    translation = translate(sender.project_id, messages, sent_at)
    return {"status": 1, **deliver(sender, translation, sent_at=sent_at, single=single)}


@flags_rate_limit
@posthog_bp.response(200, PostHogFlagsSchema)
@posthog_bp.alt_response(400, description="Malformed or undecodable body")
@posthog_bp.alt_response(401, description="Unknown or revoked API key")
@posthog_bp.alt_response(429, description="Rate limit exceeded")
def flags():
    """Feature flags and remote config for PostHog's libraries: Ouroboard has none, so
    every flag is off (posthog-js then runs with its own settings).
    """
    key_sender(raw_key_of(request_json()))
    return NO_FLAGS


@posthog_bp.route("/array/<string:token>/config", methods=["GET"], parameters=[{
    "in": "path", "name": "token", "description": "The project API key (an ingestion key)",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,128}$"}}])
@flags_rate_limit
@posthog_bp.response(200, PostHogFlagsSchema)
@posthog_bp.alt_response(401, description="Unknown or revoked API key")
@posthog_bp.alt_response(429, description="Rate limit exceeded")
def remote_config(token: str):
    """posthog-js's remote config, read on load: the same answer as /flags/."""
    key_sender(token)
    return NO_FLAGS


for capture_path in CAPTURE_PATHS:
    posthog_bp.add_url_rule(capture_path, endpoint=endpoint_of(capture_path),
                            view_func=capture, methods=["POST"])
for flags_path in FLAGS_PATHS:
    posthog_bp.add_url_rule(flags_path, endpoint=endpoint_of(flags_path), view_func=flags,
                            methods=["POST"])
