"""What operators rely on: /health with Redis, /metrics, cookie SameSite, trusted proxies."""

import re

import pytest
from flask import request

from app import create_app
from tests.conftest import DEFAULT_PASSWORD

CLOSED_REDIS_PORT_URL = "redis://127.0.0.1:1/0"


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


# --- /health ---------------------------------------------------------------------------

def test_health_without_redis_says_not_configured(client):
    body = client.get("/health").get_json()
    assert body["status"] == "ok" and body["redis"] == "not configured"


def test_health_is_degraded_not_down_when_redis_is_unreachable(make_app):
    client = make_app(REDIS_URL=CLOSED_REDIS_PORT_URL).test_client()
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json()["status"] == "degraded"
    assert response.get_json()["redis"] == "down"
    assert response.get_json()["database"] == "ok"


def test_health_reports_reachable_redis(make_app, redis_url):
    body = make_app(REDIS_URL=redis_url).test_client().get("/health").get_json()
    assert (body["status"], body["redis"]) == ("ok", "ok")


def test_health_is_503_when_database_down_even_with_redis_down(make_app, tmp_path):
    client = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}",
                      REDIS_URL=CLOSED_REDIS_PORT_URL).test_client()
    response = client.get("/health")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"
    assert response.headers["Retry-After"] == "2"


# --- /metrics --------------------------------------------------------------------------

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


def test_metrics_expose_open_streams_gauge(client):
    assert "ouroboard_live_streams_open" in client.get("/metrics").get_data(as_text=True)


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


# --- cookies -----------------------------------------------------------------------------

def session_cookie_header(app) -> str:
    client = app.test_client()
    client.post("/api/v1/register", json={"username": "carol", "password": DEFAULT_PASSWORD,
                                          "age": 41, "gender": "Other"})
    response = client.post("/api/v1/login",
                           json={"username": "carol", "password": DEFAULT_PASSWORD})
    (header,) = [value for value in response.headers.getlist("Set-Cookie")
                 if value.startswith("access_token_cookie=")]
    return header


def test_cookies_are_lax_by_default(app):
    header = session_cookie_header(app)
    assert "SameSite=Lax" in header and "HttpOnly" in header


def test_same_site_cors_origin_keeps_lax(make_app):
    app = make_app(PUBLIC_URL="https://analytics.example.com",
                   CORS_ORIGINS=["https://app.example.com"])
    assert "SameSite=Lax" in session_cookie_header(app)


def test_cross_site_cors_origin_needs_samesite_none_and_secure(make_app):
    app = make_app(PUBLIC_URL="https://analytics.example.com",
                   CORS_ORIGINS=["https://shop.example.org"])
    header = session_cookie_header(app)
    assert "SameSite=None" in header and "Secure" in header


def test_explicit_samesite_wins_and_bad_values_fail_at_start(make_app):
    assert "SameSite=Strict" in session_cookie_header(make_app(COOKIE_SAMESITE="strict"))
    with pytest.raises(RuntimeError, match="COOKIE_SAMESITE"):
        make_app(COOKIE_SAMESITE="sometimes")


def test_production_cookies_are_secure(tmp_path):
    app = create_app({"APP_ENV": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "JWT_COOKIE_SECURE": True, "INSTANCE_DIR": tmp_path,
                      "JWT_SECRET_KEY": "x" * 40})
    assert app.config["JWT_COOKIE_SECURE"] is True
    assert app.config["JWT_COOKIE_SAMESITE"] == "Lax"


# --- proxies -----------------------------------------------------------------------------

def echo_client_address(app):
    app.add_url_rule("/_test/address", "address", lambda: request.remote_addr or "")
    return app.test_client()


def test_forwarded_for_is_ignored_without_trusted_proxies(app):
    client = echo_client_address(app)
    response = client.get("/_test/address", headers={"X-Forwarded-For": "203.0.113.9"},
                          environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert response.get_data(as_text=True) == "10.0.0.5"


def test_forwarded_for_is_used_with_one_trusted_proxy(make_app):
    client = echo_client_address(make_app(TRUSTED_PROXIES=1))
    response = client.get("/_test/address",
                          headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.9"},
                          environ_base={"REMOTE_ADDR": "10.0.0.5"})
    # Only the hop our own proxy appended is believed; the client-written one is not.
    assert response.get_data(as_text=True) == "203.0.113.9"


def test_forged_forwarded_for_does_not_escape_login_rate_limit(make_app):
    app = make_app(AUTH_RATE_LIMIT_PER_IP="3 per minute")
    client = app.test_client()
    statuses = [client.post("/api/v1/login",
                            json={"username": f"nobody{n}", "password": "wrong-password"},
                            headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
                for n in range(5)]
    assert statuses[-1] == 429
    assert re.fullmatch(r"4\d\d", str(statuses[0]))
