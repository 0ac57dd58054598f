"""Analytics endpoints: thin views over app.analytics.service, export and live."""

import dataclasses
import functools

import marshmallow as ma
from flask import Response, current_app, g, request, stream_with_context

from app.analytics import export, live, responses, schemas, service, web_schemas, web_service
from app.analytics.periods import Filters
from app.blueprint import ApiBlueprint, abort
from app.database import limit_statement_time
from app.extensions import limiter
from app.projects.access import current_reader, readable_project, still_reads
from app.projects.errors import NotAllowedForReaderError

analytics_bp = ApiBlueprint("analytics", __name__, url_prefix="/api/v1",
                            description="Counts, trends, breakdowns, export and live updates.")


# The failures every analytics endpoint can answer with, as {status: description}.
COMMON_ERRORS = {401: "Not logged in, or the share link or API token is unknown or revoked",
                 404: "No such project, or not one the caller may read",
                 429: "Over ANALYTICS_RATE_LIMIT for this user; retry after Retry-After",
                 503: "Database unavailable, or the query ran past its statement timeout "
                      "(retry after Retry-After)"}


def analytics_limit() -> str:
    """Analytics requests per signed-in user, all endpoints together."""
    return current_app.config["ANALYTICS_RATE_LIMIT"]


def analytics_rate_key() -> str:
    """Bucket of the analytics rate limit: the user, share link or token (known by then)."""
    return f"analytics-{g.reader.bucket}"


analytics_rate_limit = limiter.shared_limit(analytics_limit, scope="analytics",
                                            key_func=analytics_rate_key)


def bounded_cost(view):
    """Run `view` with every statement under ANALYTICS_STATEMENT_TIMEOUT_MS, kept for
    streamed bodies (the sign-in check before it is a lookup by key, and stays unlimited).
    """

    @functools.wraps(view)
    def limited(*args, **kwargs):
        limit_statement_time(current_app.config["ANALYTICS_STATEMENT_TIMEOUT_MS"])
        return view(*args, **kwargs)

    limited.bounded_cost = True  # checked by the tests for every analytics endpoint
    return limited


def reader_required(view):
    """Authenticate the reader (session, share link or API token) before anything else."""

    @functools.wraps(view)
    def authenticated(*args, **kwargs):
        g.reader = current_reader()
        return view(*args, **kwargs)

    return authenticated


def in_readable_project(view):
    """Check the reader may read the `project` asked for (or pick their default one), and
    scope the view's filters to it: no analytics query runs before this check.
    """

    @functools.wraps(view)
    def scoped(*args, project: str | None = None, filters: Filters, **kwargs):
        g.project = readable_project(g.reader, project)
        return view(*args, filters=dataclasses.replace(filters, project_id=g.project.id),
                    **kwargs)

    return scoped


def analytics_get(path: str, arguments: type[ma.Schema], response: type[ma.Schema] | None = None,
                  *, errors: dict[int, str] | None = None, **response_options):
    """Register a GET view for logged-in users, with query arguments and its responses.

    `errors` documents failures beyond the common ones, as {status: description}.
    """

    def register(view):
        for status, description in {**COMMON_ERRORS, **(errors or {})}.items():
            view = analytics_bp.alt_response(status, description=description)(view)
        view = analytics_bp.response(200, response, **response_options)(
            in_readable_project(view))
        view = analytics_bp.arguments(arguments(), location="query", as_kwargs=True)(view)
        view = reader_required(bounded_cost(analytics_rate_limit(view)))
        return analytics_bp.route(path, methods=["GET"])(view)

    return register


@analytics_get("/analytics", schemas.AnalyticsFilterSchema, responses.FeatureUsageSchema)
def feature_usage(filters: Filters):
    """Events per feature (bars, most used first) and per day (line, zero-filled).

    The line is the selected `feature`'s series, or all features together.
    """
    answer, was_cached = service.feature_usage(filters)
    return answer, 200, {"X-Cache": "hit" if was_cached else "miss"}


@analytics_get("/analytics/summary", schemas.AnalyticsFilterSchema, responses.SummarySchema)
def summary(filters: Filters):
    """Totals, unique users, top feature and daily average, against the previous period."""
    return service.summary(filters)


@analytics_get("/analytics/timeseries", schemas.TimeseriesArgsSchema, responses.TimeseriesSchema)
def timeseries(filters: Filters, granularity: str, compare: str | None):
    """Zero-filled counts per hour, day, week or month in the requested time zone."""
    return service.timeseries(filters, granularity, compare)


@analytics_get("/analytics/breakdown", schemas.BreakdownArgsSchema, responses.BreakdownSchema)
def breakdown(filters: Filters, by: str, limit: int):
    """Top values of feature, age_group, gender, page_url or a property, with unique users."""
    return service.breakdown(filters, by, limit)


@analytics_get("/analytics/top-pages", schemas.TopPagesArgsSchema, responses.TopPagesSchema)
def top_pages(filters: Filters, limit: int):
    """Pages by page views, with unique viewers."""
    return service.top_pages(filters, limit)


@analytics_get("/analytics/recent", schemas.RecentArgsSchema, responses.RecentEventsSchema)
def recent(filters: Filters, limit: int, before):
    """The newest events, newest first; pass `nextCursor` as `before` for the next page.

    Through a share link nothing about the person is given (no user, anonymous id,
    demographics or properties; page URLs without their query string).
    """
    return service.recent(filters, limit, before, show_people=g.reader.kind != "share")


@analytics_get("/analytics/export.csv", schemas.ExportArgsSchema,
               errors={429: "This user already runs EXPORT_MAX_CONCURRENT_PER_USER exports, "
                            "or is over ANALYTICS_RATE_LIMIT; retry after Retry-After"},
               description="CSV with a header row", content_type="text/csv")
def export_csv(filters: Filters, kind: str):
    """Every matching event (`kind=events`) or counts per day and feature (`kind=daily`).

    A user runs at most EXPORT_MAX_CONCURRENT_PER_USER exports at once. Share links
    cannot export (403).
    """
    if g.reader.kind == "share":
        raise NotAllowedForReaderError("A share link cannot export events")
    try:
        return export.start_export(kind, filters, g.reader.bucket, request.environ)
    except export.ExportLimitReachedError:
        abort(429, "Too many exports running for this user; retry when one has finished",
              headers={"Retry-After": str(export.RETRY_AFTER_SECONDS)})


# A filtered answer reads raw events; past RAW_READ_MAX_EVENTS it is refused.
TOO_MANY_EVENTS = {400: "Invalid arguments, or a filtered answer that would read more than "
                        "RAW_READ_MAX_EVENTS events (the message names a range that fits)"}


@analytics_get("/analytics/web/summary", schemas.AnalyticsFilterSchema,
               web_schemas.WebSummarySchema, errors=TOO_MANY_EVENTS)
def web_summary(filters: Filters):
    """Website cards: visitors, visits, page views, views per visit, bounce rate and visit
    duration, against the previous period; and the bot events left out of them.
    """
    return web_service.summary(filters)


@analytics_get("/analytics/web/breakdown", web_schemas.WebBreakdownArgsSchema,
               web_schemas.WebBreakdownSchema, errors=TOO_MANY_EVENTS)
def web_breakdown(filters: Filters, by: str, limit: int):
    """Top sources, devices, countries, hostnames, entry or exit pages by visits, or top
    pages by page views, each with its share of the total.
    """
    return web_service.breakdown(filters, by, limit)


# What a stream answers with besides its type, to GET and to HEAD alike.
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@analytics_get("/analytics/stream", schemas.StreamArgsSchema,
               errors={429: "This user already holds LIVE_MAX_STREAMS_PER_USER open streams "
                            "in this process, or is over ANALYTICS_RATE_LIMIT; retry after "
                            "Retry-After",
                       503: "Too many open streams in this process (retry after the "
                            "Retry-After seconds), or the database is unavailable"},
               description="text/event-stream: `hello`, then `events` frames with the fresh "
                           "total and the names that changed",
               content_type="text/event-stream")
def stream(filters: Filters, lastEventId: str | None = None):  # noqa: N803 - query name
    """Live updates within about a second of each ingest, with a heartbeat every 15 s.

    HEAD answers with the stream's headers only and holds no stream open.
    """
    if request.method == "HEAD":
        return Response(iter(()), mimetype="text/event-stream", headers=STREAM_HEADERS)
    try:
        opened = live.open_event_stream(
            current_app._get_current_object(), g.reader.bucket, filters.project_id,
            request.headers.get("Last-Event-ID") or lastEventId, service.stream_total(filters),
            functools.partial(still_reads, g.project.slug))
    except live.UserStreamLimitReachedError:
        abort(429, "Too many live streams open for this user; close one or retry later",
              headers={"Retry-After": "30"})
    except live.StreamLimitReachedError:
        abort(503, "Too many live streams open; the dashboard falls back to polling",
              headers={"Retry-After": "30"})
    response = Response(stream_with_context(opened.frames), mimetype="text/event-stream",
                        headers=STREAM_HEADERS)
    # WSGI servers close every response, even one never iterated (the client went before
    # the first frame), and the generator's `finally` would not run then.
    response.call_on_close(opened.release)
    return response
