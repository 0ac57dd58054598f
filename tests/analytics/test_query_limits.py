"""Bounded cost of analytics requests: statement timeouts, the per-user rate limit, and the
per-user cap on running CSV exports (released however the export ends, a stalled client's
included, on a real server).
"""

import http.client
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from werkzeug.serving import WSGIRequestHandler, make_server

from app import create_app
from app.analytics.export import ExportTooLongError
from app.analytics.routes import analytics_bp
from app.database_errors import StatementTimeoutError
from tests.analytics.conftest import EventFixtures, FixtureEvent, utc
from tests.conftest import AuthActions

EXPORT = "/api/v1/analytics/export.csv"
ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_MESSAGE = StatementTimeoutError.message


def signed_in(app, username: str) -> dict:
    """Bearer headers of a newly registered user of `app`."""
    auth = AuthActions(app.test_client())
    assert auth.register(username=username).status_code == 201
    return auth.headers


def add_events(app, count: int, pad: int = 40) -> None:
    """`count` events over the first days of March 2026, each with a padded property."""
    start = utc(2026, 3, 1)
    EventFixtures(app).add(*[
        FixtureEvent("bulk", start + timedelta(seconds=17 * i), anonymous_id=f"a{i}",
                     page_url=f"/page/{i % 50}", properties={"i": i, "pad": "x" * pad})
        for i in range(count)])


def assert_timed_out(response) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert response.get_json() == {"error": TIMEOUT_MESSAGE}
    assert int(response.headers["Retry-After"]) > 0


def test_every_analytics_endpoint_is_bounded(app):
    """Each analytics view runs behind bounded_cost (the statement timeout) and the rate
    limit: a new endpoint registered without analytics_get fails here.
    """
    views = {endpoint: view for endpoint, view in app.view_functions.items()
             if endpoint.startswith(f"{analytics_bp.name}.")}
    assert len(views) >= 8
    unbounded = [endpoint for endpoint, view in views.items()
                 if not getattr(view, "bounded_cost", False)]
    assert unbounded == []


# --- statement timeout: SQLite ------------------------------------------------------------

@pytest.fixture
def sqlite_app(make_app, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the SQLite progress handler")
    return make_app()


def test_sqlite_reads_past_the_timeout_answer_503_and_the_next_request_works(sqlite_app):
    add_events(sqlite_app, 20_000)
    headers = signed_in(sqlite_app, "slow")
    client = sqlite_app.test_client()
    query = {"by": "property:i", "limit": 5}
    sqlite_app.config["ANALYTICS_STATEMENT_TIMEOUT_MS"] = 1
    started = time.monotonic()
    assert_timed_out(client.get("/api/v1/analytics/breakdown", query_string=query,
                                headers=headers))
    assert_timed_out(client.get(EXPORT, headers=headers))
    assert time.monotonic() - started < 2
    # The same connection answers the same questions once the timeout allows them.
    sqlite_app.config["ANALYTICS_STATEMENT_TIMEOUT_MS"] = 5000
    response = client.get("/api/v1/analytics/breakdown", query_string=query, headers=headers)
    assert response.status_code == 200 and len(response.get_json()["items"]) == 5
    response = client.get(EXPORT, headers=headers)
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("\n") == 20_001


def test_sqlite_ingestion_is_not_limited(sqlite_app):
    """A tiny analytics timeout leaves the write path alone."""
    sqlite_app.config["ANALYTICS_STATEMENT_TIMEOUT_MS"] = 1
    headers = signed_in(sqlite_app, "writer")
    batch = {"events": [{"name": "bulk", "properties": {"pad": "x" * 200}}] * 500}
    response = sqlite_app.test_client().post("/api/v1/events", json=batch, headers=headers)
    assert response.status_code == 202 and response.get_json()["accepted"] == 500


# --- statement timeout: Postgres ------------------------------------------------------------

@pytest.fixture
def postgres_app(make_app, database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("Postgres statement_timeout")
    # A lock wait longer than the statement timeout: what cancels the read is the latter.
    return make_app(ANALYTICS_STATEMENT_TIMEOUT_MS=300, DATABASE_LOCK_TIMEOUT_MS=20_000)


@contextmanager
def analytics_tables_locked(database_url: str, events_too: bool = True):
    """Hold ACCESS EXCLUSIVE locks on the rollup (and events) tables: every analytics read
    waits, as behind a heavy query, while sign-in (the users table) still works.
    """
    engine = create_engine(database_url)
    try:
        names = [name for name in inspect(engine).get_table_names()
                 if (events_too and name == "events") or name.startswith("rollup_")]
        with engine.connect() as connection:
            connection.execute(text(f"LOCK TABLE {', '.join(names)} IN ACCESS EXCLUSIVE MODE"))
            yield
            connection.rollback()
    finally:
        engine.dispose()


ANALYTICS_READS = [
    ("/api/v1/analytics", {}),
    ("/api/v1/analytics/summary", {}),
    ("/api/v1/analytics/timeseries", {"granularity": "day"}),
    ("/api/v1/analytics/breakdown", {"by": "page_url"}),
    ("/api/v1/analytics/top-pages", {}),
    ("/api/v1/analytics/recent", {}),
    (EXPORT, {}),
    (EXPORT, {"kind": "daily"}),
]


def test_postgres_reads_past_the_timeout_answer_503_and_the_next_request_works(
        postgres_app, database_url):
    add_events(postgres_app, 50)
    headers = signed_in(postgres_app, "slow")
    client = postgres_app.test_client()
    with analytics_tables_locked(database_url):
        for path, query in ANALYTICS_READS:
            started = time.monotonic()
            assert_timed_out(client.get(path, query_string=query, headers=headers))
            assert time.monotonic() - started < 2, path
    # Pooled connections kept no aborted transaction and no timeout of their own.
    for path, query in ANALYTICS_READS:
        assert client.get(path, query_string=query, headers=headers).status_code == 200, path
    postgres_app.config["ANALYTICS_STATEMENT_TIMEOUT_MS"] = 5000
    with postgres_app.app_context():
        from app.extensions import db

        assert db.session.execute(text("SHOW statement_timeout")).scalar() == "0"


def test_postgres_live_stream_counts_run_under_the_timeout(postgres_app, database_url):
    headers = signed_in(postgres_app, "streamer")
    client = postgres_app.test_client()
    # The events table stays open: the live hub's own look at it (outside any request)
    # is not an analytics read.
    with analytics_tables_locked(database_url, events_too=False):
        response = client.get("/api/v1/analytics/stream", headers=headers, buffered=False)
        assert response.status_code == 200
        started = time.monotonic()
        with pytest.raises(StatementTimeoutError):
            for _ in response.response:
                pass
        assert time.monotonic() - started < 2
        response.close()


def test_postgres_ingestion_is_not_limited(make_app, database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("Postgres statement_timeout")
    app = make_app(ANALYTICS_STATEMENT_TIMEOUT_MS=1)
    headers = signed_in(app, "writer")
    batch = {"events": [{"name": "bulk", "properties": {"pad": "x" * 200}}] * 500}
    response = app.test_client().post("/api/v1/events", json=batch, headers=headers)
    assert response.status_code == 202 and response.get_json()["accepted"] == 500


# --- per-user rate limit ---------------------------------------------------------------------

def test_analytics_rate_limit_is_per_user(app):
    app.config["ANALYTICS_RATE_LIMIT"] = "3 per minute"
    alice, bob = signed_in(app, "alice"), signed_in(app, "bob")
    client = app.test_client()
    paths = ["/api/v1/analytics/summary", "/api/v1/analytics/top-pages",
             "/api/v1/analytics/recent", "/api/v1/analytics/summary"]
    statuses = [client.get(path, headers=alice).status_code for path in paths]
    assert statuses == [200, 200, 200, 429], "one budget over every analytics endpoint"
    refused = client.get(EXPORT, headers=alice)
    assert refused.status_code == 429
    assert refused.get_json()["error"]
    assert int(refused.headers["Retry-After"]) > 0
    # Another user, from the same address, is still served.
    assert client.get("/api/v1/analytics/summary", headers=bob).status_code == 200


# --- export concurrency ----------------------------------------------------------------------

def open_export(client, headers):
    """Start an export and leave its body unread (the slot stays taken until close)."""
    return client.get(EXPORT, headers=headers, buffered=False)


@pytest.fixture(params=["memory", "redis"])
def export_app(request, make_app):
    overrides = {"EXPORT_MAX_CONCURRENT_PER_USER": 2}
    if request.param == "redis":
        overrides["REDIS_URL"] = request.getfixturevalue("redis_url")
    return make_app(**overrides)


def test_third_concurrent_export_of_a_user_is_429_until_one_ends(export_app):
    add_events(export_app, 10)
    alice, bob = signed_in(export_app, "alice"), signed_in(export_app, "bob")
    client = export_app.test_client()
    first, second = open_export(client, alice), open_export(client, alice)
    assert (first.status_code, second.status_code) == (200, 200)
    refused = client.get(EXPORT, headers=alice)
    assert refused.status_code == 429
    assert "exports" in refused.get_json()["error"]
    assert int(refused.headers["Retry-After"]) > 0
    others = client.get(EXPORT, headers=bob)
    assert others.status_code == 200 and others.get_data(as_text=True).count("\n") == 11
    # (One thread drives every response here, so they are closed in the reverse order
    # of opening, as Flask's streamed request contexts are a stack.)
    # Closed unread, as when the client goes before the first byte: the slot comes back.
    second.close()
    third = open_export(client, alice)
    assert third.status_code == 200
    assert client.get(EXPORT, headers=alice).status_code == 429
    # Read to the end: the slots come back.
    assert b"".join(third.response).count(b"\n") == 11
    third.close()
    assert b"".join(first.response).count(b"\n") == 11
    first.close()
    again = [open_export(client, alice) for _ in range(2)]
    assert [response.status_code for response in again] == [200, 200]
    for response in reversed(again):
        response.close()


def test_a_failed_export_gives_its_slot_back(make_app, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the SQLite progress handler")
    app = make_app(EXPORT_MAX_CONCURRENT_PER_USER=1)
    add_events(app, 20_000)
    headers = signed_in(app, "alice")
    client = app.test_client()
    app.config["ANALYTICS_STATEMENT_TIMEOUT_MS"] = 1
    assert_timed_out(client.get(EXPORT, headers=headers))
    app.config["ANALYTICS_STATEMENT_TIMEOUT_MS"] = 5000
    response = open_export(client, headers)
    assert response.status_code == 200
    response.close()


def test_an_export_past_its_maximum_duration_is_cut_off_unfinished(make_app):
    app = make_app(EXPORT_MAX_CONCURRENT_PER_USER=1, EXPORT_MAX_SECONDS=0)
    add_events(app, 10)
    headers = signed_in(app, "alice")
    client = app.test_client()
    response = open_export(client, headers)
    assert response.status_code == 200
    # Raised inside the body, so the server leaves the chunked download unterminated.
    with pytest.raises(ExportTooLongError):
        b"".join(response.response)
    response.close()
    app.config["EXPORT_MAX_SECONDS"] = 60
    response = client.get(EXPORT, headers=headers)
    assert response.status_code == 200 and response.get_data(as_text=True).count("\n") == 11


# --- a stalled client on a real server -------------------------------------------------------

SLOW_SEND_BUFFER_BYTES = 4096


class SmallSendBufferHandler(WSGIRequestHandler):
    """A slow network: the server's send buffer fills after a few kilobytes."""

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SLOW_SEND_BUFFER_BYTES)

    def log_request(self, *args, **kwargs):
        pass


@contextmanager
def werkzeug_serving(app, _database_url, _config):
    """`app` on werkzeug's threaded server on a free port; yields the port."""
    server = make_server("127.0.0.1", 0, app, threaded=True,
                         request_handler=SmallSendBufferHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(5)


def slow_network_app(config: dict):
    """The WSGI app gunicorn serves in the test below: the real app, with a small send
    buffer on each client socket (a slow network; else the kernel buffers megabytes).
    """
    app = create_app(config)

    def wsgi(environ, start_response):
        environ["gunicorn.socket"].setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF,
                                              SLOW_SEND_BUFFER_BYTES)
        return app(environ, start_response)

    return wsgi


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn_serving(_app, database_url, config):
    """gunicorn with the production settings (gunicorn.conf.py: gthread workers), one worker,
    serving this test's database; yields the port.
    """
    port = free_port()
    target = ("tests.analytics.test_query_limits:slow_network_app("
              f"{ {'SQLALCHEMY_DATABASE_URI': database_url, **config}!r})")
    env = {**os.environ, "APP_ENV": "testing", "HOST": "127.0.0.1", "PORT": str(port),
           "WEB_CONCURRENCY": "1", "LOG_LEVEL": "warning", "GUNICORN_GRACEFUL_TIMEOUT": "1"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", target],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if export_status(port, {}) == 401:
                    break
            except OSError:
                assert server.poll() is None, "gunicorn exited"
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.1)
        yield port
    finally:
        server.send_signal(signal.SIGINT)  # quick shutdown
        server.wait(10)


def export_status(port: int, headers: dict) -> int:
    """Status of a whole export over HTTP (read to the end, so it frees its slot)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", EXPORT, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def start_raw_export(port: int, headers: dict, within: float = 2) -> socket.socket:
    """Send the export request from a client with a tiny receive window; read only the
    status line, then stop reading. Retried while refused with 429: a slot is given back
    just after the last byte of its response is sent.
    """
    lines = [f"GET {EXPORT} HTTP/1.1", f"Host: 127.0.0.1:{port}",
             *(f"{name}: {value}" for name, value in headers.items()), "", ""]
    deadline = time.monotonic() + within
    while True:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", port))
        sock.sendall("\r\n".join(lines).encode())
        sock.settimeout(5)
        status_line = sock.recv(12)
        if status_line.startswith(b"HTTP/1.1 200"):
            return sock
        sock.close()
        assert status_line.startswith(b"HTTP/1.1 429") and time.monotonic() < deadline
        time.sleep(0.05)


def wait_for_export_slot(port: int, headers: dict, within: float) -> float:
    """Seconds until the user may run an export again (fails after `within`)."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        status = export_status(port, headers)
        if status == 200:
            return time.monotonic() - started
        assert status == 429
        time.sleep(0.1)
    raise AssertionError(f"no export slot freed within {within} s")


@pytest.mark.parametrize("serving", [werkzeug_serving, gunicorn_serving],
                         ids=["werkzeug", "gunicorn"])
def test_a_stalled_or_vanished_export_client_frees_its_slot(make_app, database_url, serving):
    config = {"EXPORT_MAX_CONCURRENT_PER_USER": 1, "EXPORT_STALL_SECONDS": 1}
    app = make_app(**config)
    # About 170 kB of CSV: far more than the slow network's buffers hold.
    add_events(app, 500, pad=200)
    alice, bob = signed_in(app, "alice"), signed_in(app, "bob")
    with serving(app, database_url, config) as port:
        stalled = start_raw_export(port, alice)
        try:
            # The export holds alice's only slot while its client reads nothing...
            assert export_status(port, alice) == 429
            assert export_status(port, bob) == 200
            # ...until the server's send times out: then the slot is free again.
            assert wait_for_export_slot(port, alice, within=6) < 5
        finally:
            stalled.close()
        # A client that reads a little and hangs up frees the slot too.
        vanished = start_raw_export(port, alice)
        vanished.recv(1000)
        # Reset, not a polite close: the server's next send fails at once.
        vanished.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        vanished.close()
        assert wait_for_export_slot(port, alice, within=5) < 2
