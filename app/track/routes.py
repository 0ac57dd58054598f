"""Tracking endpoints: thin views over the ingest pipeline (sender, validation, command)."""

from flask import current_app, request

from app.blueprint import ApiBlueprint
from app.extensions import limiter
from app.people.schemas import IdentifyResultSchema, IdentifySchema
from app.people.service import identify_from_body
from app.request_guards import accepts_text_plain
from app.track import sender, store, validation
from app.track.command import ingest
from app.track.errors import InvalidIngestKey, UuidTaken
from app.track.schemas import (
    EventBatchDocSchema,
    EventSchema,
    IngestResultSchema,
    TrackedEventSchema,
    TrackSchema,
)
from app.web.client import client_of_request

track_bp = ApiBlueprint("track", __name__, url_prefix="/api/v1",
                        description="Record feature clicks, page views and custom events.")


def ingest_limit() -> str:
    """Events per period for one user or one ingestion key."""
    return current_app.config["INGEST_RATE_LIMIT"]


# /track and /events draw on one budget per user or key, charged per event: a request is
# limited before its events are validated or stored.
ingest_rate_limit = limiter.shared_limit(ingest_limit, scope="ingest",
                                         key_func=sender.rate_limit_key,
                                         cost=sender.rate_limit_cost)


@track_bp.route("/track", methods=["POST"])
@ingest_rate_limit
@sender.user_required
@track_bp.arguments(TrackSchema())
@track_bp.response(201, TrackedEventSchema)
@track_bp.alt_response(200, schema=TrackedEventSchema,
                       description="The uuid was stored before; nothing changed")
@track_bp.alt_response(202, schema=TrackedEventSchema,
                       description="Queued (INGEST_QUEUE=redis): a writer stores it shortly; "
                                   "id is null, and a uuid stored before is dropped there")
@track_bp.alt_response(401, description="Not logged in, or missing CSRF header")
@track_bp.alt_response(409, description="The uuid is another event's")
@track_bp.alt_response(429, description="Rate limit exceeded")
@track_bp.alt_response(503, description="Database unavailable; retry after Retry-After")
def track(click: dict):
    """Record one feature click by the logged-in user (the original challenge's contract)."""
    event = {
        "name": click["feature_name"],
        "uuid": str(click["uuid"]) if click["uuid"] else None,
        "properties": click["properties"],
        "session_id": click["session_id"],
        "page_url": click["page_url"],
    }
    batch = validation.EventBatch(raw_events=[event], sent_at=None, single=True)
    who = sender.current_sender()
    result = ingest(batch, who, client_of_request())
    if result.queued is not None:
        row = result.queued[0]
        return {"id": None, "uuid": row["uuid"], "feature_name": row["name"],
                "timestamp": row["occurred_at"]}, 202
    if result.stored:
        row = result.stored[0]
        return {"id": row["id"], "uuid": row["uuid"], "feature_name": row["name"],
                "timestamp": row["occurred_at"]}
    existing = store.find_event_by_uuid(event["uuid"], who.user.id)
    if existing is None:
        raise UuidTaken("This uuid belongs to another event; send a new uuid")
    return {"id": existing.id, "uuid": existing.uuid, "feature_name": existing.name,
            "timestamp": existing.occurred_at}, 200


@track_bp.route("/events", methods=["POST"])
@accepts_text_plain
@ingest_rate_limit
@track_bp.doc(
    requestBody={
        "required": True,
        "content": {"application/json": {"schema": {"oneOf": [
            {"$ref": "#/components/schemas/Event"},
            {"$ref": "#/components/schemas/EventBatchDoc"},
        ]}}},
    },
    security=[{"bearerAuth": []}, {"cookieAuth": []}, {"ingestKey": []}],
)
@track_bp.response(202, IngestResultSchema,
                   description="Stored; or, under INGEST_QUEUE=redis, queued: accepted "
                               "then counts every valid event and duplicates 0, as the "
                               "writer drops a uuid stored before")
@track_bp.alt_response(400, description="Malformed body, or the single event is invalid")
@track_bp.alt_response(401, description="No session and no valid ingestion key")
@track_bp.alt_response(413, description="More than 500 events or more than 1 MiB")
@track_bp.alt_response(415, description="Not JSON (text/plain is accepted with a key)")
@track_bp.alt_response(429, description="Rate limit exceeded")
@track_bp.alt_response(503, description="Database unavailable; retry after Retry-After")
def ingest_events():
    """Store one event or a batch of up to 500; valid events are kept even if others fail."""
    body = request.get_json(force=True, silent=True)
    who = sender.resolve_sender(body)  # before the body's shape: 401 and 415 come first
    result = ingest(validation.parse_batch(body), who, client_of_request())
    return {"accepted": result.accepted, "duplicates": result.duplicates,
            "rejected": result.rejected}


@track_bp.route("/identify", methods=["POST"])
@accepts_text_plain
@ingest_rate_limit
@track_bp.doc(
    requestBody={"required": True, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Identify"}}}},
    security=[{"ingestKey": []}],
)
@track_bp.response(200, IdentifyResultSchema)
@track_bp.alt_response(400, description="Malformed body, no distinct_id, or bad traits")
@track_bp.alt_response(401, description="No valid ingestion key")
@track_bp.alt_response(415, description="Not JSON or text/plain")
@track_bp.alt_response(429, description="Rate limit exceeded")
@track_bp.alt_response(503, description="Database unavailable; retry after Retry-After")
def identify_person():
    """Set a person's traits and link the anonymous id they had (PostHog's alias)."""
    body = request.get_json(force=True, silent=True)
    who = sender.resolve_sender(body)
    if who.key is None:
        raise InvalidIngestKey("Identify needs an ingestion key (X-Ouroboard-Key)")
    return identify_from_body(who.project_id, body)


def register_doc_schemas(api) -> None:
    """Schemas referenced by hand in the /events request body."""
    api.spec.components.schema("Event", schema=EventSchema)
    api.spec.components.schema("EventBatchDoc", schema=EventBatchDocSchema)
    api.spec.components.schema("Identify", schema=IdentifySchema)
