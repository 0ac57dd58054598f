"""Live stream slots (app/analytics/live.py and the stream view): HEAD takes none, every
slot comes back however its connection ends, a user has a cap of their own, and /metrics
counts the open streams across gunicorn workers.

Most tests run a real threaded server (werkzeug) and talk to it over raw sockets, so that
connections can be dropped the way browsers and scripts drop them.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server
from werkzeug.test import EnvironBuilder

from app.analytics import live

ROOT = Path(__file__).resolve().parents[2]
STREAM_PATH = "/api/v1/analytics/stream"
PASSWORD = "plum harbor violet engine 42"


class Server:
    """An app served by a threaded werkzeug server on a free port, in this process."""

    def __init__(self, app):
        self.app = app
        self.httpd = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.httpd.server_port
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    @property
    def hub(self) -> live.LiveHub:
        return live.hub_for(self.app)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve(make_app):
    """Start a real server for an app built with the given config overrides."""
    servers = []

    def start(**overrides) -> Server:
        overrides.setdefault("LIVE_HEARTBEAT_SECONDS", 0.2)
        server = Server(make_app(**overrides))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def request(port: int, method: str, path: str, body: dict | None = None,
            headers: dict | None = None) -> tuple[int, dict, bytes]:
    """One plain request: (status, headers, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request(method, path, body=json.dumps(body) if body is not None else None,
                           headers={"Content-Type": "application/json", **(headers or {})})
        reply = connection.getresponse()
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()
    finally:
        connection.close()


def register(port: int, username: str) -> dict:
    """Bearer headers of a new user."""
    status, _, body = request(port, "POST", "/api/v1/register", {
        "username": username, "password": PASSWORD, "age": 30, "gender": "Other"})
    assert status == 201, body
    return {"Authorization": f"Bearer {json.loads(body)['token']}"}


class RawStream:
    """A stream request on a bare socket: read up to the first frame, then hold it open."""

    def __init__(self, port: int, headers: dict):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        lines = [f"GET {STREAM_PATH} HTTP/1.1", "Host: 127.0.0.1"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        received = b""
        # A stream is open once its first frame arrived; an error ends with its JSON body.
        while b"retry: 3000" not in received and not received.rstrip().endswith(b"}"):
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            received += chunk
        head, _, self.body = received.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode().split("\r\n")
        self.status = int(status_line.split()[1])
        self.headers = {name.lower(): value.strip() for name, _, value in
                        (line.partition(":") for line in header_lines)}

    def read_until(self, marker: bytes) -> bytes:
        """What arrives up to and including `marker` (the socket's timeout bounds the wait),
        starting with what the opening read already took past the first frame."""
        received, self.body = self.body, b""
        while marker not in received:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            received += chunk
        return received

    def error(self) -> dict:
        return json.loads(self.body)

    def abandon(self):
        """Drop the connection abruptly (a reset, as a killed client or a lost network)."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


def wait_until(condition, seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_head_never_takes_a_slot(serve):
    server = serve(LIVE_MAX_STREAMS=2, LIVE_MAX_STREAMS_PER_USER=2)
    headers = register(server.port, "header")
    for _ in range(2 + 5):
        status, head, body = request(server.port, "HEAD", STREAM_PATH, headers=headers)
        assert status == 200
        assert head["content-type"].startswith("text/event-stream")
        assert head["cache-control"] == "no-cache"
        assert body == b""
    assert server.hub.open_streams == 0
    streams = [RawStream(server.port, headers) for _ in range(2)]
    assert [stream.status for stream in streams] == [200, 200]
    assert b"retry: 3000" in streams[0].body
    for stream in streams:
        stream.abandon()


def test_head_still_needs_a_login(serve):
    server = serve()
    status, _, _ = request(server.port, "HEAD", STREAM_PATH)
    assert status == 401


def test_abandoned_connections_give_their_slots_back(serve):
    server = serve(LIVE_MAX_STREAMS=3)
    streams = [RawStream(server.port, register(server.port, f"leaver{n}")) for n in range(3)]
    assert [stream.status for stream in streams] == [200, 200, 200]
    full = RawStream(server.port, register(server.port, "latecomer"))
    assert full.status == 503
    assert int(full.headers["retry-after"]) >= 1
    assert "Too many live streams" in full.error()["error"]

    started = time.monotonic()
    for stream in streams:
        stream.abandon()
    assert wait_until(lambda: server.hub.open_streams == 0, seconds=5)
    assert time.monotonic() - started < 5
    assert server.hub.open_streams_by_user == {}
    again = RawStream(server.port, register(server.port, "returner"))
    assert again.status == 200
    again.abandon()


def test_a_stream_that_reaches_its_lifetime_gives_its_slot_back(serve):
    server = serve(LIVE_MAX_SECONDS=0.3)
    stream = RawStream(server.port, register(server.port, "shortlived"))
    assert stream.status == 200
    assert stream.read_until(b"0\r\n\r\n").endswith(b"0\r\n\r\n")  # the last chunk
    assert wait_until(lambda: server.hub.open_streams == 0)
    stream.abandon()


def test_a_response_closed_before_its_first_frame_gives_its_slot_back(app, auth):
    """A server closes every response, even one it never iterated (the client left before
    the first write); the frames' `finally` does not run then, so the close hook must.
    Driven as a WSGI server drives it: Flask's test client always reads the first frame."""
    auth.register("closer", password=PASSWORD)
    environ = EnvironBuilder(path=STREAM_PATH, headers=auth.headers).get_environ()
    started = []
    body = app(environ, lambda status, headers, exc_info=None: started.append(status))
    assert started == ["200 OK"]
    assert list(live.hub_for(app).open_streams_by_user.values()) == [1]
    body.close()
    assert live.hub_for(app).open_streams == 0
    assert live.hub_for(app).open_streams_by_user == {}


def test_a_stream_that_fails_gives_its_slot_back(app):
    def failing_total() -> int:
        raise RuntimeError("the database went away")

    opened = live.open_event_stream(app, "7", 1, None, failing_total)
    assert live.hub_for(app).open_streams_by_user == {"7": 1}
    assert next(opened.frames) == "retry: 3000\n\n"
    with pytest.raises(RuntimeError):
        next(opened.frames)
    assert live.hub_for(app).open_streams == 0
    opened.release()  # the close hook after the generator's own release: counted once
    assert live.hub_for(app).open_streams == 0
    assert live.hub_for(app).open_streams_by_user == {}


def test_a_user_over_their_cap_is_refused_while_others_still_stream(serve):
    server = serve(LIVE_MAX_STREAMS=5, LIVE_MAX_STREAMS_PER_USER=2)
    alice, bob = register(server.port, "alice"), register(server.port, "bob")
    held = [RawStream(server.port, alice) for _ in range(2)]
    assert [stream.status for stream in held] == [200, 200]
    refused = RawStream(server.port, alice)
    assert refused.status == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert "for this user" in refused.error()["error"]
    bobs = RawStream(server.port, bob)
    assert bobs.status == 200
    assert server.hub.open_streams == 3

    held.pop().abandon()
    assert wait_until(lambda: server.hub.open_streams == 2)
    again = RawStream(server.port, alice)
    assert again.status == 200
    for stream in (*held, bobs, again):
        stream.abandon()


def test_a_stream_its_user_closed_makes_room_at_once(serve):
    """A closed tab or a changed filter: the browser closes the connection, which the
    server learns only when a write fails. A newcomer of that user at the cap has the
    user's streams write at once, so it need not wait for the next heartbeat (15 s)."""
    server = serve(LIVE_HEARTBEAT_SECONDS=15, LIVE_MAX_STREAMS_PER_USER=2)
    erin = register(server.port, "erin")
    gone, alive = RawStream(server.port, erin), RawStream(server.port, erin)
    gone.read_until(b"event: hello")  # the server waits for news now, writing nothing
    gone.sock.close()  # an orderly close, as a browser closes a tab
    started = time.monotonic()
    newcomer = RawStream(server.port, erin)
    assert newcomer.status == 200
    assert time.monotonic() - started < 2
    assert list(server.hub.open_streams_by_user.values()) == [2]
    assert b": probe" in alive.read_until(b": probe")  # the live one was only asked to write
    alive.abandon()
    newcomer.abandon()


def test_slots_come_back_with_redis_fan_out_too(serve, redis_url):
    server = serve(REDIS_URL=redis_url, LIVE_MAX_STREAMS=2, LIVE_MAX_STREAMS_PER_USER=1)
    carol, dave = register(server.port, "carol"), register(server.port, "dave")
    carols = RawStream(server.port, carol)
    assert carols.status == 200
    assert RawStream(server.port, carol).status == 429
    daves = RawStream(server.port, dave)
    assert daves.status == 200
    carols.abandon()
    daves.abandon()
    assert wait_until(lambda: server.hub.open_streams == 0)
    assert RawStream(server.port, carol).status == 200


def test_the_stream_documents_its_caps(client):
    operation = client.get("/api/v1/openapi.json").get_json()[
        "paths"]["/api/v1/analytics/stream"]["get"]
    assert "LIVE_MAX_STREAMS_PER_USER" in operation["responses"]["429"]["description"]
    assert "Retry-After" in operation["responses"]["503"]["description"]


# --- gunicorn: several workers, one gauge -------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


METRICS_TOKEN = "stream-slots-metrics-token"


def open_streams_metric(port: int) -> float:
    status, _, body = request(port, "GET", "/metrics",
                              headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert status == 200
    for line in body.decode().splitlines():
        if line.startswith("ouroboard_live_streams_open "):
            return float(line.split()[1])
    return 0.0


@pytest.fixture
def gunicorn(sqlite_template, tmp_path):
    """gunicorn with two workers of two stream slots each, metrics shared in a directory."""
    database = tmp_path / "gunicorn.db"
    shutil.copyfile(sqlite_template, database)
    (tmp_path / "metrics").mkdir()
    port = free_port()
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("DATABASE_URL", "REDIS_URL")}
    environment.update({
        # Demo mode: every account joins the self-tracking project, whose streams are read.
        "APP_ENV": "production", "DEMO_MODE": "1", "REGISTRATION": "open",
        "JWT_SECRET_KEY": "stream-slots-secret-" + "x" * 32,
        "DATABASE_URL": f"sqlite:///{database}", "INSTANCE_DIR": str(tmp_path),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"), "HOST": "127.0.0.1",
        "PORT": str(port), "WEB_CONCURRENCY": "2", "LOG_LEVEL": "warning",
        "METRICS_TOKEN": METRICS_TOKEN,
        "LIVE_MAX_STREAMS": "2", "LIVE_MAX_STREAMS_PER_USER": "2",
        "LIVE_HEARTBEAT_SECONDS": "0.2", "GUNICORN_GRACEFUL_TIMEOUT": "1"})
    log = (tmp_path / "gunicorn.log").open("w")  # read it when this test fails
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                                "wsgi:app"], cwd=ROOT, env=environment,
                               stdout=subprocess.DEVNULL, stderr=log)
    try:
        assert wait_until(lambda: process.poll() is None and answers(port), seconds=30), \
            "gunicorn never answered"
        yield port
    finally:
        process.send_signal(signal.SIGINT)  # a quick shutdown: no stream is worth waiting for
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def answers(port: int) -> bool:
    try:
        return request(port, "GET", "/health")[0] == 200
    except OSError:
        return False


def test_metrics_sum_open_streams_over_workers_and_slots_come_back(gunicorn):
    port = gunicorn
    users = [register(port, f"worker_user{n}") for n in range(2)]
    streams = []
    # Four streams need both workers (two slots each); a connection the busy worker took
    # is refused with 503 and tried again, till the other worker accepts one.
    statuses = []
    for _ in range(100):
        if len(streams) == 4:
            break
        stream = RawStream(port, users[len(streams) % 2])
        statuses.append(stream.status)
        if stream.status == 200:
            streams.append(stream)
        else:
            assert stream.status == 503, stream.body
            stream.abandon()
    assert len(streams) == 4, statuses
    assert open_streams_metric(port) == 4

    for stream in streams:
        stream.abandon()
    assert wait_until(lambda: open_streams_metric(port) == 0, seconds=5)
    stream = RawStream(port, users[0])
    assert stream.status == 200
    assert open_streams_metric(port) == 1
    stream.abandon()
