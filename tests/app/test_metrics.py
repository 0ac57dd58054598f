"""app/metrics.py: GET /metrics counts requests, events, cache lookups and open live streams,
behind an optional token (required in production unless METRICS_PUBLIC)."""

from werkzeug.test import EnvironBuilder

from app import create_app
from config import ProductionConfig


def metric_value(text: str, name: str, **labels) -> float:
    """The value of one sample in Prometheus text format, 0 when absent."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        sample, _, value = line.rpartition(" ")
        sample_name, _, sample_labels = sample.partition("{")
        found = ",".join(sorted(sample_labels.rstrip("}").split(","))) if sample_labels else ""
        if sample_name == name and found == wanted:
            return float(value)
    return 0.0


def test_metrics_count_requests_by_endpoint_and_status(client):
    before = metric_value(client.get("/metrics").get_data(as_text=True),
                          "ouroboard_http_requests_total",
                          method="GET", endpoint="/health", status="200")
    for _ in range(3):
        client.get("/health")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    after = metric_value(text, "ouroboard_http_requests_total",
                         method="GET", endpoint="/health", status="200")
    assert after - before == 3
    assert metric_value(text, "ouroboard_http_request_duration_seconds_count",
                        method="GET", endpoint="/health") >= 3


def test_metrics_label_unknown_paths_as_unmatched(client):
    client.get("/api/v1/no-such-thing-1")
    client.get("/api/v1/no-such-thing-2")
    text = client.get("/metrics").get_data(as_text=True)
    assert "no-such-thing" not in text
    assert metric_value(text, "ouroboard_http_requests_total",
                        method="GET", endpoint="unmatched", status="404") >= 2


def test_metrics_count_accepted_duplicate_and_rejected_events(client, auth):
    auth.register()

    def events_total(outcome):
        return metric_value(client.get("/metrics").get_data(as_text=True),
                            "ouroboard_events_total", outcome=outcome)

    before = {outcome: events_total(outcome) for outcome in ("accepted", "duplicate", "rejected")}
    uuid = "7b1f0c1e-4a44-4b5e-9a59-9f0c1b2a3d4e"
    response = client.post("/api/v1/events", headers=auth.headers, json={"events": [
        {"name": "export_click", "uuid": uuid},
        {"name": "export_click", "uuid": uuid},
        {"name": ""},
    ]})
    assert response.status_code == 202
    assert events_total("accepted") - before["accepted"] == 1
    assert events_total("duplicate") - before["duplicate"] == 1
    assert events_total("rejected") - before["rejected"] == 1


def test_metrics_count_cache_hits_and_misses(client, auth):
    auth.register()
    text = client.get("/metrics").get_data(as_text=True)
    hits = metric_value(text, "ouroboard_cache_lookups_total", result="hit")
    misses = metric_value(text, "ouroboard_cache_lookups_total", result="miss")
    url = "/api/v1/analytics/summary?startDate=2026-01-01&endDate=2026-01-31"
    assert client.get(url, headers=auth.headers).status_code == 200
    assert client.get(url, headers=auth.headers).status_code == 200
    text = client.get("/metrics").get_data(as_text=True)
    assert metric_value(text, "ouroboard_cache_lookups_total", result="miss") - misses >= 1
    assert metric_value(text, "ouroboard_cache_lookups_total", result="hit") - hits >= 1


def open_streams_gauge(client) -> float:
    return metric_value(client.get("/metrics").get_data(as_text=True),
                        "ouroboard_live_streams_open")


def test_open_streams_gauge_follows_a_stream_opened_and_closed(app, client, auth):
    """Driven as a WSGI server drives a stream. The gauge is this process's, so a stream
    left by another test that ends meanwhile (at its next heartbeat) can disturb one
    reading; a disturbed round is taken again."""
    assert "# TYPE ouroboard_live_streams_open gauge" in client.get("/metrics").get_data(
        as_text=True)
    auth.register()
    environ = EnvironBuilder(path="/api/v1/analytics/stream",
                             headers=auth.headers).get_environ()
    rounds = []
    for _ in range(3):
        before = open_streams_gauge(client)
        body = app(environ, lambda status, headers, exc_info=None: None)
        opened = open_streams_gauge(client)
        body.close()
        closed = open_streams_gauge(client)
        rounds.append((opened - before, opened - closed))
        if rounds[-1] == (1, 1):
            break
    assert rounds[-1] == (1, 1), rounds


def test_metrics_token_is_required_when_configured(make_app):
    client = make_app(METRICS_TOKEN="metrics-token-for-tests").test_client()
    denied = client.get("/metrics")
    assert denied.status_code == 401
    assert "METRICS_TOKEN" in denied.get_json()["error"]
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    allowed = client.get("/metrics",
                         headers={"Authorization": "Bearer metrics-token-for-tests"})
    assert allowed.status_code == 200
    assert b"ouroboard_http_requests_total" in allowed.data


class Production(ProductionConfig):
    JWT_SECRET_KEY = "x" * 32
    SQLALCHEMY_DATABASE_URI = "sqlite://"


class PublicMetricsProduction(Production):
    METRICS_PUBLIC = True


class TokenMetricsProduction(Production):
    METRICS_TOKEN = "metrics-token-for-tests"


def test_production_hides_metrics_without_a_token():
    response = create_app(Production).test_client().get("/metrics")
    assert response.status_code == 404
    assert response.get_json() == {"error": "Not found"}
    assert b"ouroboard_" not in response.data


def test_production_serves_metrics_when_declared_public():
    response = create_app(PublicMetricsProduction).test_client().get("/metrics")
    assert response.status_code == 200
    assert b"ouroboard_http_requests_total" in response.data


def test_production_serves_metrics_behind_its_token():
    client = create_app(TokenMetricsProduction).test_client()
    assert client.get("/metrics").status_code == 401
    allowed = client.get("/metrics", headers={"Authorization": "Bearer metrics-token-for-tests"})
    assert allowed.status_code == 200
    assert b"ouroboard_http_requests_total" in allowed.data

