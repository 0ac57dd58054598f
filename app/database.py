"""Database binding: SQLAlchemy, migrations, and per-backend connection settings."""

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

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
    # Random uuids spread index writes over the whole file: a larger page cache and a
    # memory map (shared by every connection through the OS cache) keep them off the disk.
    cursor.execute("PRAGMA cache_size = -32768")
    cursor.execute("PRAGMA mmap_size = 1073741824")
    # Checkpoint every ~40 MiB of WAL rather than 4: index pages dirtied by many batches
    # are written back once, which halves the cost of a commit under steady ingestion.
    cursor.execute("PRAGMA wal_autocheckpoint = 10000")
    cursor.close()


WRITE_QUEUE_KEY = "ouroboard.sqlite_write_queue"


class WriteQueue:
    """Ingest writers on one SQLite file take turns: a thread lock inside the process, an
    advisory file lock between gunicorn workers.

    SQLite lets one writer in at a time and makes the others poll with growing sleeps,
    which leaves the file idle between turns and gives writes second-long tails. Queuing
    in the process and in the kernel wakes the next writer at once; the kernel drops the
    file lock of a process that dies.
    """

    def __init__(self, path: Path):
        self.path = path
        self.thread_lock = threading.Lock()
        self.fd: int | None = None

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold this process's lock, then the file lock, for the duration of the block."""
        with self.thread_lock:
            if self.fd is None:
                # Opened lazily, so each forked worker has its own open file description.
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self.fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self.fd, fcntl.LOCK_UN)


@contextmanager
def ingest_write_turn() -> Iterator[None]:
    """Hold the SQLite write queue for one ingest transaction (no-op elsewhere)."""
    queue = current_app.extensions.get(WRITE_QUEUE_KEY)
    if queue is None:
        yield
        return
    with queue.turn():
        yield


IN_MEMORY_KEY = "ouroboard.in_memory_database"


def is_in_memory_database(app: Flask) -> bool:
    """SQLite in this process's memory: one connection, so no separate writer thread.
    (Decided once in init_app; ingestion asks on every request.)
    """
    return app.extensions.get(IN_MEMORY_KEY, False)


def ping() -> None:
    """Run a trivial query; on a database error roll the session back and raise it again."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        raise


def engine_options(app: Flask, backend: str) -> dict:
    """Engine options per backend; a write stuck on a lock fails fast enough to answer 503."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if backend == "sqlite":
        # A file cannot drop a connection; pinging it costs every checkout a query.
        options.pop("pool_pre_ping", None)
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
    app.extensions[IN_MEMORY_KEY] = (backend == "sqlite"
                                     and url.database in (None, "", ":memory:"))
    if backend == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        app.extensions[WRITE_QUEUE_KEY] = WriteQueue(Path(url.database + "-ingest.lock"))
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app, backend)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True,
                     compare_type=True)
    if backend == "sqlite":
        lock_timeout_ms = app.config["DATABASE_LOCK_TIMEOUT_MS"]
        with app.app_context():
            event.listen(db.engine, "connect",
                         lambda conn, _record: configure_sqlite_connection(conn, lock_timeout_ms))
