"""Prometheus metrics at GET /metrics.

Under gunicorn every worker is its own process, so when PROMETHEUS_MULTIPROC_DIR is set
(bin/boot sets it) the counters live in files there and /metrics sums every worker's.
Without it (tests, `flask run`) they live in this process only.
"""

import hmac
import os

from flask import Flask, Response, abort, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

# Endpoints are labelled by URL rule, never by raw path, so label sets stay bounded.
UNMATCHED_ENDPOINT = "unmatched"

http_requests = Counter(
    "ouroboard_http_requests_total", "HTTP requests answered, by endpoint, method and status.",
    ["method", "endpoint", "status"])
http_request_seconds = Histogram(
    "ouroboard_http_request_duration_seconds", "Time to answer a request, by endpoint.",
    ["method", "endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
events_ingested = Counter(
    "ouroboard_events_total", "Events received, by outcome: accepted, duplicate or rejected.",
    ["outcome"])
cache_lookups = Counter(
    "ouroboard_cache_lookups_total", "Analytics cache lookups, by result: hit or miss.",
    ["result"])
open_streams = Gauge(
    "ouroboard_live_streams_open", "Live event streams currently open.",
    multiprocess_mode="livesum")


def record_request(method: str, endpoint: str, status: int, seconds: float) -> None:
    """Count one answered request and observe how long it took."""
    http_requests.labels(method, endpoint, str(status)).inc()
    http_request_seconds.labels(method, endpoint).observe(seconds)


def record_events(accepted: int, duplicates: int, rejected: int) -> None:
    """Count the events of one ingest request by outcome."""
    for outcome, count in (("accepted", accepted), ("duplicate", duplicates),
                           ("rejected", rejected)):
        if count:
            events_ingested.labels(outcome).inc(count)


def record_cache_lookup(hit: bool) -> None:
    """Count one analytics cache lookup as a hit or a miss."""
    cache_lookups.labels("hit" if hit else "miss").inc()


def exposition() -> bytes:
    """Every worker's metrics in the text format."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def metrics_view() -> Response:
    """GET /metrics in Prometheus's text format (behind METRICS_TOKEN when it is set).

    In production without a token the counters would be public, so /metrics does not
    exist there unless METRICS_PUBLIC says so.
    """
    token = current_app.config.get("METRICS_TOKEN")
    if (not token and current_app.config.get("APP_ENV") == "production"
            and not current_app.config.get("METRICS_PUBLIC")):
        abort(404)
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        # Constant-time comparison: the token must not leak through response timing.
        if not hmac.compare_digest(given.encode(), token.encode()):
            abort(401, "/metrics needs 'Authorization: Bearer <METRICS_TOKEN>'")
    return Response(exposition(), mimetype=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    """Serve /metrics on the application."""
    app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])
