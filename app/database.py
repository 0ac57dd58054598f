"""Database binding: SQLAlchemy, migrations, and per-backend connection settings."""

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from app.database_errors import StatementTimeoutError
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


# Where a request keeps the statement timeout its reads run under (flask.g, so it lasts as
# long as the request context, streamed responses included).
STATEMENT_TIMEOUT_KEY = "statement_timeout_ms"
SQLITE_DEADLINE_KEY = "ouroboard.statement_deadline"
# SQLite calls the progress handler every this many virtual machine instructions: about
# every 0.1 ms, cheap next to the query and fine enough for a deadline in seconds.
SQLITE_PROGRESS_INSTRUCTIONS = 10_000
# SQLSTATE of a statement cancelled by statement_timeout (or pg_cancel_backend).
POSTGRES_QUERY_CANCELED = "57014"


def limit_statement_time(timeout_ms: int) -> None:
    """Cancel any statement of the rest of this request that runs longer than timeout_ms.

    Postgres gets `statement_timeout` local to each transaction the request begins (so a
    pooled connection never keeps it); SQLite gets a progress handler with a deadline per
    statement. A cancelled statement raises StatementTimeoutError.
    """
    g.setdefault(STATEMENT_TIMEOUT_KEY, int(timeout_ms))
    session = db.session()
    if session.in_transaction() and session.get_bind().dialect.name == "postgresql":
        # Already begun (say, by the user lookup): the begin hook has missed it.
        set_postgres_statement_timeout(session.connection().connection.dbapi_connection,
                                       int(timeout_ms))


def statement_timeout_ms() -> int | None:
    """The statement timeout of the current request, None outside limited requests."""
    return g.get(STATEMENT_TIMEOUT_KEY) if has_app_context() else None


def set_postgres_statement_timeout(dbapi_connection, timeout_ms: int) -> None:
    """`SET LOCAL statement_timeout`, spelled as set_config so the value is a parameter."""
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, true)", (str(timeout_ms),))


def on_postgres_begin(connection: Connection) -> None:
    """Each transaction a limited request begins runs under its statement timeout."""
    timeout_ms = statement_timeout_ms()
    if timeout_ms:
        set_postgres_statement_timeout(connection.connection.dbapi_connection, timeout_ms)


class SqliteDeadline:
    """One SQLite connection's statement deadline, enforced by its progress handler.

    The handler is installed only while a limited statement runs, so ingestion writes pay
    nothing for it.
    """

    def __init__(self, dbapi_connection: sqlite3.Connection):
        self.connection = dbapi_connection
        self.deadline: float | None = None

    def arm(self, timeout_ms: int | None) -> None:
        """Start the clock for the statement about to run, or stop it (None)."""
        if timeout_ms:
            if self.deadline is None:
                self.connection.set_progress_handler(self.expired, SQLITE_PROGRESS_INSTRUCTIONS)
            self.deadline = time.monotonic() + timeout_ms / 1000
        elif self.deadline is not None:
            self.connection.set_progress_handler(None, 0)
            self.deadline = None

    def expired(self) -> int:
        """Non-zero tells SQLite to interrupt the running statement."""
        return int(self.deadline is not None and time.monotonic() >= self.deadline)


def on_sqlite_connect(dbapi_connection, connection_record) -> None:
    """Give each new SQLite connection its (disarmed) statement deadline."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        connection_record.info[SQLITE_DEADLINE_KEY] = SqliteDeadline(dbapi_connection)


def on_sqlite_execute(connection: Connection, *_args) -> None:
    """Arm the deadline for a statement of a limited request; disarm it for any other."""
    deadline = connection.connection.info.get(SQLITE_DEADLINE_KEY)
    if deadline is not None:
        deadline.arm(statement_timeout_ms())


def on_sqlite_checkin(_dbapi_connection, connection_record) -> None:
    """A connection back in the pool carries no deadline into its next use."""
    deadline = connection_record.info.get(SQLITE_DEADLINE_KEY)
    if deadline is not None:
        deadline.arm(None)


def restart_statement_clock(connection: Connection) -> None:
    """Give a long streamed read the whole timeout again for its next batch of rows.

    On Postgres each FETCH of a server-side cursor is a statement of its own; this makes
    SQLite's incremental steps of one statement behave alike.
    """
    deadline = connection.connection.info.get(SQLITE_DEADLINE_KEY)
    if deadline is not None and deadline.deadline is not None:
        deadline.arm(statement_timeout_ms())


def is_statement_cancel(error: BaseException | None) -> bool:
    """Whether the driver error is a statement cancelled by our timeout."""
    if isinstance(error, sqlite3.OperationalError):
        return str(error) == "interrupted"
    return getattr(error, "sqlstate", None) == POSTGRES_QUERY_CANCELED


def translate_statement_cancel(context) -> None:
    """The one place a driver's cancel error becomes the domain error StatementTimeoutError."""
    if is_statement_cancel(context.original_exception):
        raise StatementTimeoutError from context.sqlalchemy_exception


def install_statement_limits(engine, backend: str) -> None:
    """Hook the per-request statement timeout into the engine (see limit_statement_time)."""
    if backend == "postgresql":
        event.listen(engine, "begin", on_postgres_begin)
    if backend == "sqlite":
        event.listen(engine, "connect", on_sqlite_connect)
        event.listen(engine, "before_cursor_execute", on_sqlite_execute)
        event.listen(engine, "checkin", on_sqlite_checkin)
    event.listen(engine, "handle_error", translate_statement_cancel)


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
    with app.app_context():
        if backend == "sqlite":
            lock_timeout_ms = app.config["DATABASE_LOCK_TIMEOUT_MS"]
            event.listen(db.engine, "connect",
                         lambda conn, _record: configure_sqlite_connection(conn, lock_timeout_ms))
        install_statement_limits(db.engine, backend)


def schema_is_current() -> bool:
    """Whether the database has every migration of this code applied. A process that
    writes without serving requests (the queue writer) waits for it rather than fail rows
    on a table or column that the web service's boot is still creating.
    """
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(migrate.get_config()).get_heads())
    with db.engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) == heads
