"""Analytics endpoints: thin views over app.analytics.service, export and live."""

from datetime import timedelta

from flask import Response, current_app, request, stream_with_context
from flask_jwt_extended import jwt_required

from app.analytics import export, live, service
from app.analytics.periods import Filters
from app.analytics.schemas import (
    AnalyticsFilterSchema,
    BreakdownArgsSchema,
    BreakdownSchema,
    ExportArgsSchema,
    FeatureUsageSchema,
    RecentArgsSchema,
    RecentEventsSchema,
    StreamArgsSchema,
    SummarySchema,
    TimeseriesArgsSchema,
    TimeseriesSchema,
    TopPagesArgsSchema,
    TopPagesSchema,
)
from app.blueprint import ApiBlueprint, abort
from app.extensions import db

analytics_bp = ApiBlueprint("analytics", __name__, url_prefix="/api/v1",
                            description="Counts, trends, breakdowns, export and live updates.")


def documented_errors(view):
    """The failures every analytics endpoint can answer with."""
    view = analytics_bp.alt_response(401, description="Not logged in")(view)
    return analytics_bp.alt_response(503, description="Database unavailable")(view)


@analytics_bp.route("/analytics", methods=["GET"])
@jwt_required()
@analytics_bp.arguments(AnalyticsFilterSchema(), location="query", as_kwargs=True)
@analytics_bp.response(200, FeatureUsageSchema)
@documented_errors
def feature_usage(filters: Filters):
    """Events per feature (bars, most used first) and per day (line, zero-filled).

    The line is the selected `feature`'s series, or all features together.
    """
    answer, was_cached = service.feature_usage(filters)
    return answer, 200, {"X-Cache": "hit" if was_cached else "miss"}


@analytics_bp.route("/analytics/summary", methods=["GET"])
@jwt_required()
@analytics_bp.arguments(AnalyticsFilterSchema(), location="query", as_kwargs=True)
@analytics_bp.response(200, SummarySchema)
@documented_errors
def summary(filters: Filters):
    """Totals, unique users, top feature and daily average, against the previous period."""
    return service.summary(filters)


@analytics_bp.route("/analytics/timeseries", methods=["GET"])
@jwt_required()
@analytics_bp.arguments(TimeseriesArgsSchema(), location="query", as_kwargs=True)
@analytics_bp.response(200, TimeseriesSchema)
@documented_errors
def timeseries(filters: Filters, granularity: str, compare: str | None):
    """Zero-filled counts per hour, day, week or month in the requested time zone."""
    return service.timeseries(filters, granularity, compare)


@analytics_bp.route("/analytics/breakdown", methods=["GET"])
@jwt_required()
@analytics_bp.arguments(BreakdownArgsSchema(), location="query", as_kwargs=True)
@analytics_bp.response(200, BreakdownSchema)
@documented_errors
def breakdown(filters: Filters, by: str, limit: int):
    """Top values of feature, age_group, gender, page_url or a property, with unique users."""
    return service.breakdown(filters, by, limit)


@analytics_bp.route("/analytics/top-pages", methods=["GET"])
@jwt_required()
@analytics_bp.arguments(TopPagesArgsSchema(), location="query", as_kwargs=True)
@analytics_bp.response(200, TopPagesSchema)
@documented_errors
def top_pages(filters: Filters, limit: int):
    """Pages by page views, with unique viewers."""
    return service.top_pages(filters, limit)


@analytics_bp.route("/analytics/recent", methods=["GET"])
@jwt_required()
@analytics_bp.arguments(RecentArgsSchema(), location="query", as_kwargs=True)
@analytics_bp.response(200, RecentEventsSchema)
@documented_errors
def recent(filters: Filters, limit: int, before):
    """The newest events, newest first; pass `nextCursor` as `before` for the next page."""
    return service.recent(filters, limit, before)


@analytics_bp.route("/analytics/export.csv", methods=["GET"])
@jwt_required()
@analytics_bp.arguments(ExportArgsSchema(), location="query", as_kwargs=True)
@analytics_bp.response(200, description="CSV with a header row",
                       content_type="text/csv")
@documented_errors
def export_csv(filters: Filters, kind: str):
    """Every matching event (`kind=events`) or counts per day and feature (`kind=daily`)."""
    if kind == "daily":
        chunks = export.daily_csv(service.daily_feature_rows(filters))
    else:
        chunks = export.events_csv(filters)
    start = filters.start.astimezone(filters.tz).date().isoformat() if filters.start else None
    end = (filters.end - timedelta(microseconds=1)).astimezone(filters.tz).date().isoformat() \
        if filters.end else None
    return Response(stream_with_context(chunks), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{export.filename(kind, start, end)}"',
        "Cache-Control": "no-store",
    })


def last_event_id() -> int | None:
    """Where a reconnecting EventSource left off (header), or ?lastEventId= on first connect."""
    raw = request.headers.get("Last-Event-ID") or request.args.get("lastEventId")
    if raw and len(raw) > 20:
        return None
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


@analytics_bp.route("/analytics/stream", methods=["GET"])
@jwt_required()
@analytics_bp.arguments(StreamArgsSchema(), location="query", as_kwargs=True)
@analytics_bp.response(200, description="text/event-stream: `hello`, then `events` frames "
                                        "with the fresh total and the names that changed",
                       content_type="text/event-stream")
@analytics_bp.alt_response(503, description="Too many open streams in this process")
@documented_errors
def stream(filters: Filters, lastEventId: str | None = None):  # noqa: N803 - query name
    """Live updates within about a second of each ingest, with a heartbeat every 15 s."""
    config = current_app.config
    hub = live.hub_for(current_app._get_current_object())
    hub.ensure_subscriber()
    try:
        hub.open_stream(config["LIVE_MAX_STREAMS"])
    except live.StreamLimitReachedError:
        abort(503, "Too many live streams open; the dashboard falls back to polling",
              headers={"Retry-After": "30"})

    def fresh_total() -> int:
        total = service.summary_total(filters)
        db.session.remove()  # end the read transaction: streams stay open for minutes
        return total

    frames = live.event_stream(hub, last_event_id(), fresh_total,
                               heartbeat_seconds=config["LIVE_HEARTBEAT_SECONDS"],
                               lifetime_seconds=config["LIVE_MAX_SECONDS"])
    return Response(stream_with_context(frames), mimetype="text/event-stream", headers={
        "Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
