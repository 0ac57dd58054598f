"""The ingestion queue (INGEST_QUEUE=redis): requests enqueue, writers store each event
once, whatever is redelivered, and bad input or a missing Redis is a 4xx/503, never a 500.
"""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import redis
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import Event
from app.projects.builtin import self_tracking_project_id
from app.track import queue_data as queue
from app.track.queue_data import QueueNotConfiguredError
from app.track.queue_writer import QueueWriter
from tests.conftest import AuthActions
from tests.helpers import event, post_events, stored_counts

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def stream(redis_url):
    """A stream of this test's own, removed afterwards."""
    name = f"test:ingest:{uuid.uuid4().hex}"
    yield name
    client = redis.Redis.from_url(redis_url)
    client.delete(name, name + ":dead")


@pytest.fixture
def queued_app(make_app, redis_url, stream):
    return make_app(INGEST_QUEUE="redis", REDIS_URL=redis_url, INGEST_QUEUE_STREAM=stream)


@pytest.fixture
def redis_conn(redis_url):
    return redis.Redis.from_url(redis_url)


def key_headers(app) -> dict:
    from app.track.keys import create_key
    with app.app_context():
        _, raw_key = create_key(self_tracking_project_id(), f"site-{uuid.uuid4().hex[:8]}")
    return {"X-Ouroboard-Key": raw_key}


def depth(app, redis_conn) -> dict:
    return queue.queue_depth(redis_conn, queue.stream_name(app))


def batch(count: int, name: str = "signup") -> dict:
    return {"events": [event(name, uuid=str(uuid.uuid4()), properties={"plan": "pro", "n": i})
                       for i in range(count)]}


def test_events_wait_in_the_queue_until_a_writer_stores_them_once(queued_app, redis_conn):
    client = queued_app.test_client()
    headers = key_headers(queued_app)
    answer = post_events(client, batch(3), headers=headers)
    assert answer.status_code == 202
    assert answer.get_json() == {"accepted": 3, "duplicates": 0, "rejected": []}
    assert stored_counts(queued_app) == (0, 0, 0)
    assert depth(queued_app, redis_conn) == {"entries": 1, "pending": 0}

    writer = QueueWriter(queued_app, "writer-a")
    assert writer.drain() == 1
    assert stored_counts(queued_app) == (3, 3, 3)
    assert depth(queued_app, redis_conn) == {"entries": 0, "pending": 0}
    with queued_app.app_context():
        stored = db.session.execute(select(Event.name, Event.properties)).all()
    assert sorted(row.properties["n"] for row in stored) == [0, 1, 2]
    assert {row.name for row in stored} == {"signup"}


def test_invalid_events_are_refused_at_the_request_and_never_queued(queued_app, redis_conn):
    client = queued_app.test_client()
    headers = key_headers(queued_app)
    body = {"events": [event("ok"), {"name": ""}, "not an object"]}
    answer = post_events(client, body, headers=headers)
    assert answer.status_code == 202
    assert answer.get_json()["accepted"] == 1
    assert [item["index"] for item in answer.get_json()["rejected"]] == [1, 2]
    lone = post_events(client, {"name": "bad name!"}, headers=headers)
    assert lone.status_code == 400
    assert "error" in lone.get_json()
    assert depth(queued_app, redis_conn)["entries"] == 1


def test_a_uuid_sent_twice_is_stored_and_counted_once(queued_app):
    client = queued_app.test_client()
    headers = key_headers(queued_app)
    body = batch(4)
    for _ in range(2):
        assert post_events(client, body, headers=headers).status_code == 202
    writer = QueueWriter(queued_app, "writer-a")
    writer.drain()
    assert stored_counts(queued_app) == (4, 4, 4)
    assert post_events(client, body, headers=headers).status_code == 202
    writer.drain()
    assert stored_counts(queued_app) == (4, 4, 4)


def test_an_entry_committed_but_not_acknowledged_is_redelivered_and_not_counted_twice(
        queued_app, redis_conn):
    """A writer that dies between its commit and its XACK: another claims the entries."""
    client = queued_app.test_client()
    headers = key_headers(queued_app)
    for _ in range(3):
        post_events(client, batch(5), headers=headers)

    dying = QueueWriter(queued_app, "dying")
    dying.acknowledge = lambda entry_ids: None  # killed right after its commit
    dying.step(block=False)
    assert stored_counts(queued_app) == (15, 15, 15)
    assert depth(queued_app, redis_conn) == {"entries": 3, "pending": 3}

    survivor = QueueWriter(queued_app, "survivor", claim_idle_ms=0)
    assert survivor.drain() == 3
    assert survivor.tally.duplicates == 15
    assert stored_counts(queued_app) == (15, 15, 15)
    assert depth(queued_app, redis_conn) == {"entries": 0, "pending": 0}


def test_a_writer_restarted_under_its_name_stores_what_it_had_read(queued_app, redis_conn):
    client = queued_app.test_client()
    post_events(client, batch(2), headers=key_headers(queued_app))
    # Read by "w1", which then died before storing anything.
    redis_conn.xgroup_create(queue.stream_name(queued_app), queue.GROUP, id="0")
    redis_conn.xreadgroup(queue.GROUP, "w1", {queue.stream_name(queued_app): ">"})
    assert depth(queued_app, redis_conn)["pending"] == 1
    # A writer of another name does not take it before it has been idle long enough...
    assert QueueWriter(queued_app, "w2").drain() == 0
    assert stored_counts(queued_app)[0] == 0
    # ...but "w1" restarted reads its own history first.
    assert QueueWriter(queued_app, "w1").drain() == 1
    assert stored_counts(queued_app) == (2, 2, 2)
    assert depth(queued_app, redis_conn) == {"entries": 0, "pending": 0}


def test_track_is_answered_202_with_its_uuid_and_stored_by_the_writer(queued_app):
    auth = AuthActions(queued_app.test_client())
    registered = auth.register(username="clicker", age=30, gender="Female")
    assert registered.status_code == 201
    client = auth.client
    click_uuid = str(uuid.uuid4())
    answer = client.post("/api/v1/track", json={"feature_name": "date_filter",
                                                  "uuid": click_uuid},
                         headers=auth.headers)
    assert answer.status_code == 202
    body = answer.get_json()
    assert body["id"] is None
    assert body["uuid"] == click_uuid
    assert body["feature_name"] == "date_filter"
    QueueWriter(queued_app, "w").drain()
    with queued_app.app_context():
        row = db.session.execute(select(Event).where(Event.uuid == click_uuid)).scalar_one()
        assert (row.name, row.age_group, row.gender) == ("date_filter", "18-40", "Female")


def test_entries_that_cannot_be_stored_are_dead_lettered_and_the_rest_stored(
        queued_app, redis_conn):
    client = queued_app.test_client()
    headers = key_headers(queued_app)
    name = queue.stream_name(queued_app)
    post_events(client, batch(2), headers=headers)
    redis_conn.xadd(name, {"v": "1", "shared": "{}", "columns": "name", "rows": "not json"})
    redis_conn.xadd(name, {"something": "else"})
    # A well-formed entry for a project that no longer exists.
    good = queue.decode_rows(redis_conn.xrange(name)[0][1])
    orphan = [{**good[0], "uuid": str(uuid.uuid4()), "project_id": 987654}]
    redis_conn.xadd(name, queue.encode_rows(orphan))
    # One the database refuses (an event must have a uuid), between good ones.
    redis_conn.xadd(name, queue.encode_rows([{**good[0], "uuid": None}]))
    post_events(client, batch(3), headers=headers)

    writer = QueueWriter(queued_app, "w")
    writer.drain()
    dead = redis_conn.xrange(queue.dead_letter_stream(queued_app))
    assert stored_counts(queued_app) == (5, 5, 5)
    assert len(dead) == 3
    assert [b"undecodable" in fields[b"error"] for _, fields in dead] == [True, True, False]
    assert b"IntegrityError" in dead[2][1][b"error"]
    assert queue.decode_rows(dead[2][1])[0]["uuid"] is None  # kept whole for inspection
    assert writer.tally.dropped == 1  # the row of a project that does not exist
    assert depth(queued_app, redis_conn) == {"entries": 0, "pending": 0}


def test_a_full_queue_refuses_with_503_and_keeps_what_it_took(make_app, redis_url, stream,
                                                               redis_conn):
    app = make_app(INGEST_QUEUE="redis", REDIS_URL=redis_url, INGEST_QUEUE_STREAM=stream,
                   INGEST_QUEUE_MAX_ENTRIES=2)
    client = app.test_client()
    headers = key_headers(app)
    statuses = [post_events(client, batch(1), headers=headers).status_code for _ in range(5)]
    assert statuses[:3] == [202, 202, 202]
    assert statuses[3:] == [503, 503]
    refused = post_events(client, batch(1), headers=headers)
    assert refused.headers.get("Retry-After")
    assert "queue" in refused.get_json()["error"]
    QueueWriter(app, "w").drain()
    assert stored_counts(app)[0] == 3


def test_unreachable_redis_is_a_503_with_retry_after(make_app, stream):
    app = make_app(INGEST_QUEUE="redis", REDIS_URL="redis://127.0.0.1:1/0",
                   INGEST_QUEUE_STREAM=stream)
    client = app.test_client()
    answer = post_events(client, batch(2), headers=key_headers(app))
    assert answer.status_code == 503
    # The error's own pause, not the rate limit window's reset (which the limiter puts
    # into any Retry-After it finds).
    assert answer.headers["Retry-After"] == "2"
    assert answer.headers["X-RateLimit-Remaining"]
    assert "unavailable" in answer.get_json()["error"]
    assert stored_counts(app)[0] == 0


@pytest.mark.parametrize("overrides, message", [
    ({"INGEST_QUEUE": "kafka", "REDIS_URL": "redis://127.0.0.1:6379/0"}, "must be 'redis'"),
    ({"INGEST_QUEUE": "redis", "REDIS_URL": None}, "needs REDIS_URL"),
])
def test_a_queue_setting_that_cannot_work_stops_the_start(make_app, overrides, message):
    with pytest.raises(QueueNotConfiguredError, match=message):
        make_app(**overrides)


def test_without_the_queue_setting_ingestion_stores_before_answering(app, stored):
    headers = key_headers(app)
    answer = post_events(app.test_client(), batch(2), headers=headers)
    assert answer.status_code == 202
    assert stored.count() == 2


def worker_process(database_url: str, redis_url: str, stream: str, name: str,
                   claim_idle_ms: int = 60_000) -> subprocess.Popen:
    env = {**os.environ, "APP_ENV": "production", "DATABASE_URL": database_url,
           "JWT_SECRET_KEY": "queue-test-secret-that-is-long-enough-for-prod",
           "REDIS_URL": redis_url, "INGEST_QUEUE": "redis", "INGEST_QUEUE_STREAM": stream,
           "INGEST_QUEUE_CLAIM_IDLE_MS": str(claim_idle_ms), "LOG_LEVEL": "info",
           "LOG_FORMAT": "text",
           "FLASK_APP": "wsgi.py"}
    return subprocess.Popen([sys.executable, "-m", "flask", "ingest-worker", "--name", name],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)


def wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def test_writer_processes_killed_mid_stream_lose_and_duplicate_nothing(
        queued_app, database_url, redis_url, stream, redis_conn):
    """`flask ingest-worker` killed with SIGKILL while it works: a second writer claims
    what it held, and every event is stored and counted exactly once.
    """
    client = queued_app.test_client()
    headers = key_headers(queued_app)
    sent = 0
    for _ in range(240):
        assert post_events(client, batch(50), headers=headers).status_code == 202
        sent += 50

    first = worker_process(database_url, redis_url, stream, "first")
    try:
        # Killed while it holds entries it has read (storing 5,000 rows takes far longer
        # than this poll's 50 ms), not between two rounds.
        wait_for(lambda: depth(queued_app, redis_conn)["pending"] > 0)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        left = depth(queued_app, redis_conn)
        assert left["pending"] > 0  # it died holding entries it had read
        assert stored_counts(queued_app)[0] < sent
        second = worker_process(database_url, redis_url, stream, "second", claim_idle_ms=500)
        try:
            wait_for(lambda: depth(queued_app, redis_conn) == {"entries": 0, "pending": 0})
            assert stored_counts(queued_app) == (sent, sent, sent)
            # Signal handlers are set once it reads (a SIGTERM during its start kills it).
            assert any(b"ingest writer second reading" in second.stdout.readline()
                       for _ in range(20))
            second.send_signal(signal.SIGTERM)
            assert second.wait(20) == 0
        finally:
            second.kill()
    finally:
        first.kill()


def test_the_writer_command_refuses_without_the_queue(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
                      "INSTANCE_DIR": tmp_path})
    result = app.test_cli_runner().invoke(args=["ingest-worker", "--drain"])
    assert result.exit_code != 0
    assert "INGEST_QUEUE" in result.output


def test_health_shows_how_far_the_writers_are_behind(queued_app, app):
    client = queued_app.test_client()
    headers = key_headers(queued_app)
    for _ in range(2):
        post_events(client, batch(2), headers=headers)
    assert client.get("/health").get_json()["queue"] == {"entries": 2, "pending": 0}
    QueueWriter(queued_app, "w").drain()
    assert client.get("/health").get_json()["queue"] == {"entries": 0, "pending": 0}
    assert app.test_client().get("/health").get_json()["queue"] is None  # no queue


def test_a_writer_waits_for_the_migrations_before_storing(redis_url, stream, tmp_path):
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'new.db'}",
                      "INSTANCE_DIR": tmp_path, "INGEST_QUEUE": "redis",
                      "REDIS_URL": redis_url, "INGEST_QUEUE_STREAM": stream})
    writer = QueueWriter(app, "early")
    waiting = threading.Thread(target=writer.wait_for_schema)
    waiting.start()
    waiting.join(0.5)
    assert waiting.is_alive()  # an empty database: the web service has not migrated yet
    with app.app_context():
        upgrade()
    waiting.join(10)
    assert not waiting.is_alive()


def test_an_entry_that_keeps_killing_its_writers_is_buried_after_ten_deliveries(
        queued_app, redis_conn):
    client = queued_app.test_client()
    post_events(client, batch(2), headers=key_headers(queued_app))
    name = queue.stream_name(queued_app)
    redis_conn.xgroup_create(name, queue.GROUP, id="0")
    redis_conn.xreadgroup(queue.GROUP, "crashed-0", {name: ">"})
    for attempt in range(1, 9):  # each writer claims it and dies before storing it
        redis_conn.xautoclaim(name, queue.GROUP, f"crashed-{attempt}", 0, "0-0")
    assert QueueWriter(queued_app, "careful", claim_idle_ms=0).drain() == 1
    assert stored_counts(queued_app)[0] == 2  # the tenth delivery is still tried

    post_events(client, batch(2), headers=key_headers(queued_app))
    redis_conn.xreadgroup(queue.GROUP, "crashed-0", {name: ">"})
    for attempt in range(1, 10):
        redis_conn.xautoclaim(name, queue.GROUP, f"crashed-{attempt}", 0, "0-0")
    assert QueueWriter(queued_app, "careful-2", claim_idle_ms=0).drain() == 1
    assert stored_counts(queued_app)[0] == 2
    dead = redis_conn.xrange(queue.dead_letter_stream(queued_app))
    assert len(dead) == 1 and b"delivered 11 times" in dead[0][1][b"error"]
    assert depth(queued_app, redis_conn) == {"entries": 0, "pending": 0}


def test_an_entry_gives_back_exactly_the_rows_it_was_made_of():
    from datetime import UTC, datetime, timedelta

    from app.event_rows import event_row

    now = datetime(2026, 12, 3, 10, 30, 15, 123456, tzinfo=UTC)
    rows = [event_row(name, now - timedelta(seconds=index), project_id=7, received_at=now,
                      session_id="s1" if index % 2 else None, properties={"n": index, "é": "😀"},
                      page_url=f"https://example.com/{index}")
            for index, name in enumerate(["signup", "page_view", "signup"])]
    rows[1]["is_bot"] = True
    fields = queue.encode_rows(rows)
    entry = {key.encode(): value if isinstance(value, bytes) else value.encode()
             for key, value in fields.items()}
    assert queue.decode_rows(entry) == rows
    lone = queue.encode_rows(rows[:1])  # every value shared, no columns
    assert lone["columns"] == ""
    assert queue.decode_rows({key.encode(): value if isinstance(value, bytes) else
                              value.encode() for key, value in lone.items()}) == rows[:1]
    with pytest.raises(ValueError):
        queue.decode_rows({**entry, b"rows": b"[[1, 2]]"})


def test_a_database_outage_is_absorbed_by_the_queue_for_keys_seen_before(
        queued_app, database_url, redis_conn):
    """Sites keep getting 202 while the database is away: the key verified before the
    outage is still believed (nobody can revoke it meanwhile), and the writer stores the
    events once the database is back.
    """
    if not database_url.startswith("sqlite"):
        pytest.skip("the shared Postgres server cannot be stopped from a test")
    from app.track import keys

    client = queued_app.test_client()
    headers = key_headers(queued_app)
    assert post_events(client, batch(2), headers=headers).status_code == 202
    path = Path(database_url.removeprefix("sqlite:///"))
    with queued_app.app_context():
        cache = keys.verified_keys()
        db.engine.dispose()
    path.rename(path.with_suffix(".away"))  # the database is gone...
    real_clock = cache.clock
    cache.clock = lambda: real_clock() + keys.KEY_CACHE_SECONDS + 1  # ...past the cache
    try:
        during = [post_events(client, batch(3), headers=headers) for _ in range(3)]
        unknown = post_events(client, batch(1), headers={"X-Ouroboard-Key": "obk_" + "x" * 43})
        cache.clock = lambda: real_clock() + keys.KEY_STALE_SECONDS + 60
        too_old = post_events(client, batch(1), headers=headers)
    finally:
        cache.clock = real_clock
        with queued_app.app_context():
            db.engine.dispose()
        path.with_suffix(".away").replace(path)
    assert [answer.status_code for answer in during] == [202, 202, 202]
    assert unknown.status_code == 503 and unknown.headers.get("Retry-After")
    assert too_old.status_code == 503
    QueueWriter(queued_app, "after").drain()
    assert stored_counts(queued_app) == (11, 11, 11)
    assert depth(queued_app, redis_conn) == {"entries": 0, "pending": 0}
