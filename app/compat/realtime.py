"""realtime's API (seed 003) under /api/compat/realtime/<slug>: events sent with an
ingestion key, and the summary, top pages, series and recent events of its dashboard.
"""

from flask import current_app, g

from app.analytics.routes import COMMON_ERRORS
from app.blueprint import ApiBlueprint
from app.compat import access, realtime_schemas, schemas, service
from app.compat.documents import document_errors
from app.extensions import limiter
from app.models import utcnow
from app.web.client import client_of_request

realtime_bp = ApiBlueprint(
    "compat-realtime", __name__, url_prefix="/api/compat/realtime/<slug:slug>",
    description="Seed 003 (Real-Time Analytics Platform): its clients work unchanged with "
                "/api/compat/realtime/<project-slug> as their API base URL.")

# The budget /api/v1/events and /track draw on, in the same bucket for the same key.
ingest_rate_limit = limiter.shared_limit(lambda: current_app.config["INGEST_RATE_LIMIT"],
                                         scope="ingest", key_func=access.ingest_key_rate_key)

READ_ERRORS = {**COMMON_ERRORS, 401: "No credential and the project's public sharing is off, "
                                     "or an unknown or revoked token"}


# Its architecture sends to /api/events, its endpoint list has no /api: both are answered.
@realtime_bp.route("/api/events", methods=["POST"], endpoint="send_event_under_api")
@realtime_bp.route("/events", methods=["POST"])
@ingest_rate_limit
@realtime_bp.arguments(schemas.RealtimeEventSchema())
@realtime_bp.response(202, schemas.RealtimeAcceptedSchema)
@realtime_bp.doc(security=[{"ingestKey": []}], parameters=[{
    "in": "query", "name": "key", "required": False, "schema": {"type": "string"},
    "description": "The ingestion key, when the X-Ouroboard-Key header cannot be sent"}])
@document_errors(realtime_bp, {
    401: "No ingestion key, or an unknown or revoked one",
    404: "The key sends to another project than the slug's, or no such project",
    415: "Not JSON", 429: "Rate limit exceeded",
    503: "Database unavailable; retry after Retry-After"})
def send_event(event: dict, slug: str):
    """Store one event: event_type as its name (PAGE_VIEW as page_view), user_id as the
    person, metadata as its properties; validated, limited and deduplicated as
    /api/v1/events.
    """
    key = access.ingest_key_for(slug)
    result = service.record_realtime_event(event, key, client_of_request())
    queued = result.queued is not None
    return {"success": True, "message": "Event queued" if queued else "Event stored"}


@realtime_bp.route("/analytics/summary", methods=["GET"])
@access.dialect_read
@realtime_bp.arguments(realtime_schemas.RealtimeRangeArgsSchema(), location="query",
                       as_kwargs=True)
@realtime_bp.response(200, realtime_schemas.RealtimeSummarySchema)
@document_errors(realtime_bp, READ_ERRORS)
def summary(project_id: int, range: str | None):  # noqa: A002 - the seed's name
    """Events, unique users and events per type, over the range or all time."""
    return service.realtime_summary(project_id, range, utcnow())


@realtime_bp.route("/analytics/top-pages", methods=["GET"])
@access.dialect_read
@realtime_bp.arguments(realtime_schemas.RealtimeTopPagesArgsSchema(), location="query",
                       as_kwargs=True)
@realtime_bp.response(200, realtime_schemas.RealtimeTopPagesSchema)
@document_errors(realtime_bp, READ_ERRORS)
def top_pages(project_id: int, range: str | None, limit: int):  # noqa: A002
    """The most viewed pages (PAGE_VIEW events), over the range or all time."""
    return service.realtime_top_pages(project_id, range, limit, utcnow())


@realtime_bp.route("/analytics/timeseries", methods=["GET"])
@access.dialect_read
@realtime_bp.arguments(realtime_schemas.RealtimeTimeseriesArgsSchema(), location="query",
                       as_kwargs=True)
@realtime_bp.response(200, realtime_schemas.RealtimeTimeseriesSchema)
@document_errors(realtime_bp, READ_ERRORS)
def timeseries(project_id: int, range: str):  # noqa: A002
    """Events per hour over the last 24 hours, or per day over the last 7 or 30 days."""
    return service.realtime_timeseries(project_id, range, utcnow())


@realtime_bp.route("/analytics/recent", methods=["GET"])
@access.dialect_read
@realtime_bp.arguments(realtime_schemas.RealtimeRecentArgsSchema(), location="query",
                       as_kwargs=True)
@realtime_bp.response(200, realtime_schemas.RealtimeRecentSchema)
@document_errors(realtime_bp, READ_ERRORS)
def recent(project_id: int, limit: int):
    """The newest events, newest first; anonymous readers of a public project see no
    user_id or metadata, and page URLs without their query string.
    """
    return service.realtime_recent(project_id, limit, g.reader.kind != "share")
