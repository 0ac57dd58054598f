"""Database binding: SQLAlchemy, migrations, and per-backend connection settings."""

import sqlite3
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import make_url

from app.extensions import db, migrate

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def configure_sqlite_connection(dbapi_connection, lock_timeout_ms: int) -> None:
    """WAL lets readers run during writes; foreign keys are off in SQLite unless asked for."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {int(lock_timeout_ms)}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    # With WAL, NORMAL loses no committed transaction on an application crash.
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def engine_options(app: Flask, backend: str) -> dict:
    """Engine options per backend; a write stuck on a lock fails fast enough to answer 503."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if backend == "postgresql":
        connect_args = dict(options.get("connect_args") or {})
        lock_timeout = int(app.config["DATABASE_LOCK_TIMEOUT_MS"])
        connect_args.setdefault("options", f"-c lock_timeout={lock_timeout}")
        # Fail fast when Postgres is unreachable: ingestion promises a 503 within 2 s.
        connect_args.setdefault("connect_timeout", 2)
        options["connect_args"] = connect_args
    return options


def init_app(app: Flask) -> None:
    """Bind SQLAlchemy and Flask-Migrate; tune connections for the configured backend."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    backend = url.get_backend_name()
    if backend == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app, backend)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True,
                     compare_type=True)
    if backend == "sqlite":
        lock_timeout_ms = app.config["DATABASE_LOCK_TIMEOUT_MS"]
        with app.app_context():
            event.listen(db.engine, "connect",
                         lambda conn, _record: configure_sqlite_connection(conn, lock_timeout_ms))
