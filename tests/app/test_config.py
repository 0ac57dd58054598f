"""config.py and create_app's configuration (app/__init__.py): database URLs, secrets,
cookies (SameSite, Secure), trusted proxies and CORS."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from flask import request

from app import create_app
from config import ProductionConfig, normalize_database_url
from tests.conftest import DEFAULT_PASSWORD

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("given", "expected"), [
    ("postgres://u:p@h:5432/d", "postgresql+psycopg://u:p@h:5432/d"),
    ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
    ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
    ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
])
def test_database_url_is_normalised(given, expected):
    assert normalize_database_url(given, Path("/i")) == expected


def test_default_database_is_sqlite_under_instance():
    assert normalize_database_url(None, Path("/srv/instance")) == \
        "sqlite:////srv/instance/ouroboard.db"


class WeakProduction(ProductionConfig):
    JWT_SECRET_KEY = "short"
    SQLALCHEMY_DATABASE_URI = "sqlite://"


class StrongProduction(ProductionConfig):
    JWT_SECRET_KEY = "x" * 32
    SQLALCHEMY_DATABASE_URI = "sqlite://"


def test_production_refuses_a_short_jwt_secret():
    with pytest.raises(RuntimeError, match="at least 32 bytes"):
        create_app(WeakProduction)


def test_production_refuses_to_boot_without_secret_from_the_shell(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("JWT_SECRET_KEY", "SECRET_KEY")}
    env.update(APP_ENV="production", DATABASE_URL=f"sqlite:///{tmp_path}/p.db")
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "JWT_SECRET_KEY must be set" in result.stderr


def test_production_sets_secure_cookies():
    app = create_app(StrongProduction)
    client = app.test_client()
    with app.app_context():
        from app.extensions import db
        db.create_all()
    response = client.post("/api/v1/register", json={
        "username": "alice", "password": "long enough secret", "age": 30, "gender": "Other"})
    assert response.status_code == 201
    cookies = response.headers.getlist("Set-Cookie")
    assert all("Secure" in cookie for cookie in cookies)
    assert "Strict-Transport-Security" in response.headers


def test_development_generates_and_keeps_a_secret(make_app, tmp_path, caplog):
    first = make_app(JWT_SECRET_KEY=None, INSTANCE_DIR=tmp_path / "inst")
    second = make_app(JWT_SECRET_KEY=None, INSTANCE_DIR=tmp_path / "inst")
    secret = first.config["JWT_SECRET_KEY"]
    assert len(secret) >= 32
    assert second.config["JWT_SECRET_KEY"] == secret
    assert (tmp_path / "inst" / "jwt_secret").read_text() == secret
    assert "generated a development secret" in caplog.text


def session_cookie_header(app) -> str:
    client = app.test_client()
    client.post("/api/v1/register", json={"username": "carol", "password": DEFAULT_PASSWORD,
                                          "age": 41, "gender": "Other"})
    response = client.post("/api/v1/login",
                           json={"username": "carol", "password": DEFAULT_PASSWORD})
    (header,) = [value for value in response.headers.getlist("Set-Cookie")
                 if value.startswith(app.config["JWT_ACCESS_COOKIE_NAME"] + "=")]
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


def test_production_login_cookie_is_secure_lax_and_http_only():
    """The production configuration class, not an override, makes the cookie Secure."""
    app = create_app(StrongProduction)
    with app.app_context():
        from app.extensions import db
        db.create_all()
    header = session_cookie_header(app)
    assert "Secure" in header and "SameSite=Lax" in header and "HttpOnly" in header
    assert header.startswith("__Host-") and "Path=/" in header and "Domain" not in header


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


def test_cors_allows_only_listed_origins_with_credentials(make_app):
    client = make_app(CORS_ORIGINS=["https://app.example.com"]).test_client()
    allowed = client.get("/api/v1/me", headers={"Origin": "https://app.example.com"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert allowed.headers["Access-Control-Allow-Credentials"] == "true"
    denied = client.get("/api/v1/me", headers={"Origin": "https://evil.example.com"})
    assert "Access-Control-Allow-Origin" not in denied.headers


def test_cors_wildcard_never_allows_credentials(make_app):
    client = make_app(CORS_ORIGINS=["*"]).test_client()
    response = client.get("/api/v1/me", headers={"Origin": "https://any.example.com"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_no_cors_headers_without_an_allowlist(client):
    response = client.get("/api/v1/me", headers={"Origin": "https://app.example.com"})
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize("path", ["/api/v1/events", "/api/v1/identify",
                                  "/api/compat/realtime/ouroboard/events",
                                  "/api/compat/realtime/ouroboard/api/events"])
def test_ingest_cors_allows_key_sites_without_credentials(make_app, ingest_key, path):
    app = make_app(INGEST_CORS_ORIGINS=["*"], CORS_ORIGINS=["https://dash.example.com"])
    client = app.test_client()
    preflight = client.options(path, headers={
        "Origin": "https://blog.example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-ouroboard-key"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    other = client.get("/api/v1/me", headers={"Origin": "https://blog.example.org"})
    assert "Access-Control-Allow-Origin" not in other.headers
