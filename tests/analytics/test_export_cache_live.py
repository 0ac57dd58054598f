"""CSV export, the generation-keyed cache, Redis outages and the live stream."""

import csv
import io
import json
import queue
import threading
import time
import tracemalloc
import uuid

import pytest

from app.analytics import live
from tests.analytics.conftest import FixtureEvent, utc


@pytest.fixture
def few_events(fixtures):
    person = fixtures.person(22, "Female")
    fixtures.add(
        FixtureEvent("date_filter", utc(2026, 3, 1, 10), person, page_url="/",
                     properties={"preset": "7d"}),
        FixtureEvent("export_data", utc(2026, 3, 2, 10), person),
        FixtureEvent("page_view", utc(2026, 3, 2, 11), anonymous_id="v1",
                     page_url="=HYPERLINK(\"http://evil\")"),
    )
    return fixtures


def get_csv(client, headers, **params):
    response = client.get("/api/v1/analytics/export.csv", query_string=params, headers=headers)
    return response, list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_events_csv_has_header_rows_and_filename(client, viewer, few_events):
    response, rows = get_csv(client, viewer, startDate="2026-03-01", endDate="2026-03-02")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="ouroboard-events-2026-03-01_2026-03-02.csv"'
    header, *body = rows
    assert header == ["id", "uuid", "occurred_at", "name", "user_id", "anonymous_id",
                      "session_id", "page_url", "referrer", "age_group", "gender", "properties"]
    assert [row[3] for row in body] == ["date_filter", "export_data", "page_view"]
    first = dict(zip(header, body[0], strict=True))
    assert first["occurred_at"] == "2026-03-01T10:00:00+00:00"
    assert json.loads(first["properties"]) == {"preset": "7d"}
    assert (first["age_group"], first["gender"]) == ("18-40", "Female")
    # A cell that a spreadsheet would run as a formula is defused.
    assert body[2][7] == "'=HYPERLINK(\"http://evil\")"


def test_csv_applies_filters(client, viewer, few_events):
    _, rows = get_csv(client, viewer, gender="Female")
    assert [row[3] for row in rows[1:]] == ["date_filter", "export_data"]


def test_daily_csv_counts_per_day_and_feature(client, viewer, few_events):
    response, rows = get_csv(client, viewer, kind="daily", tz="UTC")
    assert response.headers["Content-Disposition"].endswith('ouroboard-daily-all.csv"')
    assert rows == [["date", "feature", "count"], ["2026-03-01", "date_filter", "1"],
                    ["2026-03-02", "export_data", "1"], ["2026-03-02", "page_view", "1"]]


def test_empty_export_still_has_a_header(client, viewer):
    _, rows = get_csv(client, viewer)
    assert rows == [["id", "uuid", "occurred_at", "name", "user_id", "anonymous_id",
                     "session_id", "page_url", "referrer", "age_group", "gender", "properties"]]


def test_bad_export_kind_is_400(client, viewer):
    response = client.get("/api/v1/analytics/export.csv?kind=xlsx", headers=viewer)
    assert response.status_code == 400 and "kind" in response.get_json()["details"]


def export_peak_bytes(client, headers) -> tuple[int, int]:
    """(rows read, peak traced allocation) while streaming the whole export."""
    tracemalloc.start()
    response = client.get("/api/v1/analytics/export.csv", headers=headers, buffered=False)
    lines = 0
    for chunk in response.response:
        lines += chunk.count(b"\n") if isinstance(chunk, bytes) else chunk.count("\n")
    response.close()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return lines, peak


def test_export_memory_does_not_grow_with_rows(client, viewer, fixtures):
    """Streaming 20x the rows must not need anywhere near 20x the memory."""
    base = utc(2026, 1, 1)
    fixtures.add(*[FixtureEvent("bulk", base, anonymous_id=f"a{i}",
                                properties={"i": i, "pad": "x" * 40}) for i in range(2_000)])
    small_lines, small_peak = export_peak_bytes(client, viewer)
    fixtures.add(*[FixtureEvent("bulk", base, anonymous_id=f"b{i}",
                                properties={"i": i, "pad": "x" * 40}) for i in range(38_000)])
    large_lines, large_peak = export_peak_bytes(client, viewer)
    assert (small_lines, large_lines) == (2_001, 40_001)
    assert large_peak < small_peak * 3, (small_peak, large_peak)
    assert large_peak < 16 * 1024 * 1024


def ingest_one(client, headers, name="live_probe"):
    response = client.post("/api/v1/events", json={"name": name, "uuid": str(uuid.uuid4())},
                           headers=headers)
    assert response.status_code == 202


def test_cache_is_used_and_invalidated_by_an_ingest(client, viewer, few_events):
    params = {"startDate": "2026-03-01", "endDate": "2026-12-31"}
    first = client.get("/api/v1/analytics/summary", query_string=params, headers=viewer)
    second = client.get("/api/v1/analytics/summary", query_string=params, headers=viewer)
    assert (first.get_json()["cached"], second.get_json()["cached"]) == (False, True)
    assert first.get_json()["totalEvents"] == second.get_json()["totalEvents"] == 3
    seed_first = client.get("/api/v1/analytics", query_string=params, headers=viewer)
    seed_again = client.get("/api/v1/analytics", query_string=params, headers=viewer)
    assert (seed_first.headers["X-Cache"], seed_again.headers["X-Cache"]) == ("miss", "hit")

    ingest_one(client, viewer)
    after = client.get("/api/v1/analytics/summary", query_string=params, headers=viewer)
    assert after.get_json()["cached"] is False
    assert after.get_json()["totalEvents"] == 4


def test_each_app_keeps_its_own_generation_without_redis(make_app):
    """Two apps in one process: an ingest in one moves only that app's generation."""
    from app.analytics import service

    first, second = make_app(), make_app()
    with first.app_context():
        before_first = service.current_generation()
    with second.app_context():
        before_second = service.current_generation()
    service.bump_generation(first)
    with first.app_context():
        assert service.current_generation() != before_first
    with second.app_context():
        assert service.current_generation() == before_second
    assert service.local_generation(first) is not service.local_generation(second)


def test_shared_cache_in_redis_is_invalidated_across_app_instances(make_app, redis_url):
    """Two app instances (two workers) share answers and the generation through Redis."""
    overrides = {"REDIS_URL": redis_url, "CACHE_TYPE": "RedisCache",
                 "CACHE_REDIS_URL": redis_url, "CACHE_DEFAULT_TIMEOUT": 300,
                 "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}:"}
    worker_a, worker_b = make_app(**overrides), make_app(**overrides)
    client_a, client_b = worker_a.test_client(), worker_b.test_client()
    token = client_a.post("/api/v1/register", json={
        "username": "shared", "password": "long enough secret", "age": 30, "gender": "Other",
    }).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    ingest_one(client_a, headers)
    path = "/api/v1/analytics/summary"
    assert client_a.get(path, headers=headers).get_json()["cached"] is False
    from_b = client_b.get(path, headers=headers).get_json()
    assert from_b["cached"] is True and from_b["totalEvents"] == 1
    ingest_one(client_a, headers)  # worker A ingests; worker B must not serve the old answer
    fresh = client_b.get(path, headers=headers).get_json()
    assert fresh["cached"] is False and fresh["totalEvents"] == 2


def test_redis_down_still_answers_from_the_database(make_app, caplog):
    from app.analytics import service

    service.cache_warning.recovered()  # the warning state is per process
    caplog.clear()
    dead = "redis://127.0.0.1:1/0"
    app = make_app(REDIS_URL=dead, CACHE_TYPE="RedisCache", CACHE_REDIS_URL=dead,
                   CACHE_OPTIONS={"socket_timeout": 0.2, "socket_connect_timeout": 0.2},
                   RATELIMIT_STORAGE_URI=dead)
    client = app.test_client()
    token = client.post("/api/v1/register", json={
        "username": "noredis", "password": "long enough secret", "age": 30, "gender": "Other",
    }).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    ingest_one(client, headers)
    for path in ("/api/v1/analytics", "/api/v1/analytics/summary",
                 "/api/v1/analytics/timeseries", "/api/v1/analytics/breakdown?by=feature"):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, path
    assert client.get("/api/v1/analytics/summary", headers=headers).get_json()[
        "totalEvents"] == 1
    assert caplog.text.count("analytics cache unavailable") == 1  # warned once, not per call


class StreamReader:
    """Opens a stream and reads its SSE frames on one background thread (Flask's streamed
    context must stay on the thread that made the request)."""

    def __init__(self, client, headers: dict, path: str = "/api/v1/analytics/stream"):
        self.frames: queue.Queue[str] = queue.Queue()
        self.status: queue.Queue[tuple[int, str, dict]] = queue.Queue()
        self.stopped = threading.Event()
        thread = threading.Thread(target=self._read, args=(client, headers, path), daemon=True)
        thread.start()

    def _read(self, client, headers, path):
        response = client.get(path, headers=headers, buffered=False)
        self.status.put((response.status_code, response.mimetype, dict(response.headers)))
        buffer = ""
        try:
            for chunk in response.response:
                buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
                while "\n\n" in buffer:
                    frame, buffer = buffer.split("\n\n", 1)
                    self.frames.put(frame)
                if self.stopped.is_set():
                    break
        finally:
            response.close()

    def response_status(self, timeout: float = 5) -> tuple[int, str, dict]:
        return self.status.get(timeout=timeout)

    def next(self, count: int, timeout: float) -> list[str]:
        """The next `count` frames, or fewer if the deadline passes."""
        deadline = time.monotonic() + timeout
        frames = []
        while len(frames) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                frames.append(self.frames.get(timeout=remaining))
            except queue.Empty:
                break
        return frames

    def stop(self):
        self.stopped.set()


def parse_frame(frame: str) -> dict:
    fields = {}
    for line in frame.splitlines():
        name, _, value = line.partition(": ")
        fields[name] = value
    return fields


def test_stream_sends_an_update_within_two_seconds_of_an_ingest(app, viewer):
    stream = StreamReader(app.test_client(), viewer)
    status, mimetype, _ = stream.response_status()
    assert (status, mimetype) == (200, "text/event-stream")
    hello = stream.next(2, timeout=5)
    assert hello[0] == "retry: 3000"
    assert parse_frame(hello[1])["event"] == "hello"
    assert json.loads(parse_frame(hello[1])["data"]) == {"total": 0}

    started = time.monotonic()
    ingest_one(app.test_client(), viewer, name="bar_chart_click")
    (update,) = stream.next(1, timeout=5)
    assert time.monotonic() - started < 2
    fields = parse_frame(update)
    assert fields["event"] == "events"
    assert json.loads(fields["data"]) == {"total": 1, "names": ["bar_chart_click"],
                                          "received": 1}
    stream.stop()


def test_stream_replays_what_was_missed_after_last_event_id(app, client, viewer):
    hub = live.hub_for(app)
    ingest_one(client, viewer, name="first")
    seen_id = hub.latest_seq
    ingest_one(client, viewer, name="second")
    ingest_one(client, viewer, name="third")
    stream = StreamReader(app.test_client(), {**viewer, "Last-Event-ID": str(seen_id)})
    frames = stream.next(3, timeout=5)
    update = parse_frame(frames[2])
    assert update["event"] == "events"
    assert json.loads(update["data"])["names"] == ["second", "third"]
    assert int(update["id"]) == hub.latest_seq
    stream.stop()


def register_headers(client, username: str) -> dict:
    token = client.post("/api/v1/register", json={
        "username": username, "password": "long enough secret", "age": 30, "gender": "Other",
    }).get_json()["token"]
    return {"Authorization": f"Bearer {token}"}


def test_stream_sends_heartbeats(make_app):
    app = make_app(LIVE_HEARTBEAT_SECONDS=0.2)
    stream = StreamReader(app.test_client(), register_headers(app.test_client(), "beat"))
    frames = stream.next(3, timeout=3)
    assert frames[2] == ": heartbeat"
    stream.stop()


def test_streams_are_capped_per_process(make_app):
    app = make_app(LIVE_MAX_STREAMS=1)
    headers = register_headers(app.test_client(), "capped")
    first = StreamReader(app.test_client(), headers)
    assert first.next(1, timeout=3) == ["retry: 3000"]
    second = app.test_client().get("/api/v1/analytics/stream", headers=headers)
    assert second.status_code == 503
    assert second.headers["Retry-After"]
    first.stop()


def test_stream_fans_out_across_processes_through_redis(make_app, redis_url):
    """An ingest in one app instance reaches a stream held by another."""
    publisher, subscriber = make_app(REDIS_URL=redis_url), make_app(REDIS_URL=redis_url)
    headers = register_headers(publisher.test_client(), "fanout")
    stream = StreamReader(subscriber.test_client(), headers)
    assert len(stream.next(2, timeout=5)) == 2
    time.sleep(0.5)  # let the subscriber thread subscribe
    ingest_one(publisher.test_client(), headers, name="from_other_worker")
    (update,) = stream.next(1, timeout=5)
    assert json.loads(parse_frame(update)["data"])["names"] == ["from_other_worker"]
    stream.stop()


def test_stream_hears_other_workers_without_redis(make_app):
    """Two app instances on one database (two gunicorn workers) and no Redis: the stream
    on one still learns of ingests in the other, through the events-table watcher."""
    worker_a, worker_b = make_app(), make_app()
    headers = register_headers(worker_a.test_client(), "nored")
    stream = StreamReader(worker_b.test_client(), headers)
    assert len(stream.next(2, timeout=5)) == 2
    started = time.monotonic()
    ingest_one(worker_a.test_client(), headers, name="from_worker_a")
    (update,) = stream.next(1, timeout=5)
    assert time.monotonic() - started < 2.5
    data = json.loads(parse_frame(update)["data"])
    assert data["names"] == ["from_worker_a"] and data["total"] == 1
    stream.stop()


def test_stream_hears_other_workers_while_redis_is_down(make_app):
    """Redis configured but unreachable: the subscriber falls back to the events table."""
    dead = "redis://127.0.0.1:1/0"
    worker_a, worker_b = make_app(REDIS_URL=dead), make_app(REDIS_URL=dead)
    headers = register_headers(worker_a.test_client(), "redisdown")
    stream = StreamReader(worker_b.test_client(), headers)
    assert len(stream.next(2, timeout=5)) == 2
    time.sleep(0.5)  # the subscriber has failed once and is watching the table
    started = time.monotonic()
    ingest_one(worker_a.test_client(), headers, name="during_outage")
    (update,) = stream.next(1, timeout=5)
    assert time.monotonic() - started < 3
    assert json.loads(parse_frame(update)["data"])["names"] == ["during_outage"]
    stream.stop()


def test_own_publish_echoed_by_redis_is_delivered_once(make_app, redis_url):
    app = make_app(REDIS_URL=redis_url)
    hub = live.hub_for(app)
    headers = register_headers(app.test_client(), "echo")
    stream = StreamReader(app.test_client(), headers)
    assert len(stream.next(2, timeout=5)) == 2
    time.sleep(0.5)
    before = hub.latest_seq
    ingest_one(app.test_client(), headers, name="echoed")
    assert len(stream.next(1, timeout=5)) == 1
    time.sleep(1.0)  # the echo from Redis has arrived by now
    assert hub.latest_seq == before + 1
    assert stream.next(1, timeout=0.5) == []
    stream.stop()


def test_watcher_announces_interleaved_events_of_two_workers_exactly_once(make_app):
    """Without Redis, both workers ingest and their event ids interleave; the watching
    worker must announce the other's events once each, and never its own twice."""
    worker_a, worker_b = make_app(), make_app()
    hub = live.hub_for(worker_a)
    hub.open_streams = 1  # as if a dashboard were connected to worker A
    hub.skip_past_events()
    headers = register_headers(worker_a.test_client(), "interleave")
    sent = []
    for round_number in range(4):
        for worker, label in ((worker_a, "a"), (worker_b, "b"), (worker_a, "a")):
            name = f"{label}_{round_number}"
            ingest_one(worker.test_client(), headers, name=name)
            sent.append(name)
        hub.poll_events_table()
    hub.poll_events_table()
    announced = [name for message in hub.history for name in message.names]
    assert sum(message.received for message in hub.history) == len(sent)
    assert sorted(announced) == sorted(sent)


def test_own_events_the_watcher_already_counted_are_not_announced_again(make_app):
    hub = live.hub_for(make_app())
    hub.watched_event_id = 10
    hub.publish([(9, 1, "counted_by_watcher"), (11, 1, "new")])
    (message,) = hub.history
    assert (message.names, message.received) == (("new",), 1)
    hub.publish([(10, 1, "also_counted")])
    assert len(hub.history) == 1


def test_own_events_are_remembered_only_while_a_watched_stream_listens(make_app, redis_url):
    with_redis = live.hub_for(make_app(REDIS_URL=redis_url))
    with_redis.open_streams = 1
    with_redis.publish([(1, 1, "a")])
    assert len(with_redis.own_announced) == 0  # Redis carries other workers' events

    without_redis = live.hub_for(make_app())
    without_redis.publish([(1, 1, "a")])
    assert len(without_redis.own_announced) == 0  # nobody listens
    without_redis.open_stream(limit=8)
    without_redis.publish([(without_redis.watched_event_id + 1, 1, "b")])
    assert len(without_redis.own_announced) == 1
    without_redis.close_stream()
    assert len(without_redis.own_announced) == 0
