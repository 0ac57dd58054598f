"""Database binding: SQLAlchemy, migrations, and SQLite's connection settings."""

import sqlite3
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import make_url

from app.extensions import db, migrate

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def configure_sqlite_connection(dbapi_connection, _record, busy_timeout_ms: int) -> None:
    """WAL lets readers run during writes; foreign keys are off in SQLite unless asked for."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def init_app(app: Flask) -> None:
    """Bind SQLAlchemy and Flask-Migrate; tune SQLite connections when SQLite is used."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True,
                     compare_type=True)
    if url.get_backend_name() == "sqlite":
        busy_timeout_ms = app.config["SQLITE_BUSY_TIMEOUT_MS"]
        with app.app_context():
            event.listen(db.engine, "connect",
                         lambda conn, record: configure_sqlite_connection(
                             conn, record, busy_timeout_ms))
