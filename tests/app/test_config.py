"""Configuration: secrets, database URLs and CORS."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
from config import ProductionConfig, normalize_database_url

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


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(tmp_path):
    from sqlalchemy import text

    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/pragmas.db"})
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000


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
        "username": "alice", "password": "long enough", "age": 30, "gender": "Other"})
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
