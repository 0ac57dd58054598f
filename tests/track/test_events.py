"""POST /api/v1/events: batches, partial acceptance, idempotency, clock skew and keys."""

import json
import sqlite3
import threading
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from app.extensions import db
from app.models import IngestKey


def iso(moment: datetime) -> str:
    return moment.isoformat()


def event(name="page_view", **fields) -> dict:
    return {"name": name, "uuid": str(uuid.uuid4()), **fields}


def post_events(client, body, headers=None, **kwargs):
    return client.post("/api/v1/events", json=body, headers=headers or {}, **kwargs)


def test_single_event_from_logged_in_user(client, auth, user, stored):
    sent = event("refresh_data", session_id="s-1", page_url="/dashboard",
                 referrer="https://example.com/", properties={"button": "header"})
    response = post_events(client, sent, auth.headers)
    assert response.status_code == 202
    assert response.get_json() == {"accepted": 1, "duplicates": 0, "rejected": []}
    (row,) = stored.all()
    assert (row.uuid, row.name, row.user_id) == (sent["uuid"], "refresh_data", user["id"])
    assert (row.session_id, row.page_url, row.referrer) == ("s-1", "/dashboard",
                                                            "https://example.com/")
    assert row.properties == {"button": "header"}
    assert (row.age_group, row.gender) == (">40", "Male")


def test_event_without_uuid_gets_one(client, auth, user, stored):
    response = post_events(client, {"name": "page_view"}, auth.headers)
    assert response.status_code == 202
    assert uuid.UUID(stored.all()[0].uuid)


def test_batch_stores_valid_events_and_reports_the_rest(client, auth, user, stored):
    batch = [event("a"), {"name": ""}, event("b"), "not an object",
             event("c", properties={"x": {"y": {"z": {"too": "deep"}}}}), event("d")]
    response = post_events(client, {"events": batch}, auth.headers)
    assert response.status_code == 202
    body = response.get_json()
    assert (body["accepted"], body["duplicates"]) == (3, 0)
    assert [item["index"] for item in body["rejected"]] == [1, 3, 4]
    assert "name" in body["rejected"][0]["error"]
    assert "properties" in body["rejected"][2]["error"]
    assert sorted(row.name for row in stored.all()) == ["a", "b", "d"]


def test_replayed_batch_is_counted_as_duplicates(client, auth, user, stored):
    batch = {"events": [event("a"), event("b")]}
    assert post_events(client, batch, auth.headers).get_json()["accepted"] == 2
    replay = post_events(client, batch, auth.headers)
    assert replay.status_code == 202
    assert replay.get_json() == {"accepted": 0, "duplicates": 2, "rejected": []}
    assert stored.count() == 2


def test_same_uuid_twice_in_one_batch_is_stored_once(client, auth, user, stored):
    twin = event("a")
    response = post_events(client, {"events": [twin, dict(twin), event("b")]}, auth.headers)
    assert response.get_json() == {"accepted": 2, "duplicates": 1, "rejected": []}
    assert stored.count() == 2


def test_concurrent_replays_store_exactly_once(app, auth, user, stored):
    batch = {"events": [event(f"concurrent_{i}") for i in range(20)]}
    results, errors = [], []

    def send():
        try:
            client = app.test_client()
            response = client.post("/api/v1/events", json=batch, headers=auth.headers)
            results.append((response.status_code, response.get_json()))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(status == 202 for status, _ in results), results
    assert sum(body["accepted"] for _, body in results) == 20
    assert sum(body["duplicates"] for _, body in results) == 20 * 7
    assert stored.count() == 20


def test_sent_at_corrects_client_clock_skew(client, auth, user, stored):
    # The client's clock runs two hours behind the server's.
    client_now = datetime.now(UTC) - timedelta(hours=2)
    happened = client_now - timedelta(minutes=5)
    response = post_events(client, {"sent_at": iso(client_now),
                                    "events": [event("a", timestamp=iso(happened))]},
                           auth.headers)
    assert response.status_code == 202
    expected = datetime.now(UTC) - timedelta(minutes=5)
    assert abs(stored.all()[0].occurred_at - expected) < timedelta(seconds=5)


def test_timestamp_without_sent_at_is_kept(client, auth, user, stored):
    happened = datetime(2026, 6, 1, 12, 30, tzinfo=UTC)
    if datetime.now(UTC) - happened > timedelta(days=399):
        happened = datetime.now(UTC) - timedelta(days=30)
    post_events(client, event("a", timestamp=iso(happened)), auth.headers)
    assert stored.all()[0].occurred_at == happened


def test_naive_timestamp_is_taken_as_utc(client, auth, user, stored):
    happened = (datetime.now(UTC) - timedelta(days=3)).replace(microsecond=0)
    naive = happened.replace(tzinfo=None).isoformat()
    post_events(client, event("a", timestamp=naive), auth.headers)
    assert stored.all()[0].occurred_at == happened


def test_far_future_timestamp_becomes_receive_time(client, auth, user, stored):
    before = datetime.now(UTC)
    response = post_events(client, event("a", timestamp=iso(before + timedelta(hours=3))),
                           auth.headers)
    assert response.status_code == 202
    occurred = stored.all()[0].occurred_at
    assert before <= occurred <= datetime.now(UTC)


def test_ancient_timestamp_is_rejected_with_its_reason(client, auth, user, stored):
    old = datetime.now(UTC) - timedelta(days=401)
    fine = datetime.now(UTC) - timedelta(days=399)
    response = post_events(client, {"events": [event("old", timestamp=iso(old)),
                                               event("fine", timestamp=iso(fine))]},
                           auth.headers)
    body = response.get_json()
    assert body["accepted"] == 1
    assert body["rejected"] == [{"index": 0, "error": "timestamp is more than 400 days old"}]
    assert [row.name for row in stored.all()] == ["fine"]


def test_single_ancient_event_is_a_400(client, auth, user, stored):
    old = datetime.now(UTC) - timedelta(days=500)
    response = post_events(client, event("old", timestamp=iso(old)), auth.headers)
    assert response.status_code == 400
    assert "timestamp" in response.get_json()["details"]
    assert stored.count() == 0


@pytest.mark.parametrize(("bad_event", "field"), [
    ({"name": ""}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"name": 12}, "name"),
    ({}, "name"),
    ({"name": "ok", "timestamp": "yesterday"}, "timestamp"),
    ({"name": "ok", "timestamp": 1700000000}, "timestamp"),
    ({"name": "ok", "uuid": "123"}, "uuid"),
    ({"name": "ok", "page_url": "/" + "p" * 2000}, "page_url"),
    ({"name": "ok", "session_id": "s" * 65}, "session_id"),
    ({"name": "ok", "properties": ["list"]}, "properties"),
    ({"name": "ok", "properties": {"blob": "x" * 8200}}, "properties"),
    ({"name": "ok", "properties": {"a": [[[1]]]}}, "properties"),
    ({"name": "ok", "properties": {"": 1}}, "properties"),
    ({"name": "ok", "colour": "red"}, "colour"),
])
def test_single_invalid_event_is_400_and_stores_nothing(client, auth, user, stored,
                                                        bad_event, field):
    response = post_events(client, bad_event, auth.headers)
    assert response.status_code == 400
    assert field in response.get_json()["details"], response.get_json()
    assert stored.count() == 0


def test_properties_at_the_limits_are_accepted(client, auth, user, stored):
    properties = {"k" * 64: {"level2": {"level3": "leaf"}}, "blob": "x" * 7900}
    response = post_events(client, event("a", properties=properties), auth.headers)
    assert response.status_code == 202
    assert stored.all()[0].properties == properties


@pytest.mark.parametrize(("body", "status"), [
    ({"events": "nope"}, 400),
    ({"events": []}, 400),
    ({"events": [{"name": "a"}], "sent_at": "noon"}, 400),
    ({"events": [{"name": "a"}], "extra": 1}, 400),
    ([{"name": "a"}], 400),
    ("page_view", 400),
    ({"events": [{"name": "a"}] * 501}, 413),
])
def test_malformed_envelope_stores_nothing(client, auth, user, stored, body, status):
    response = post_events(client, body, auth.headers)
    assert response.status_code == status
    assert response.get_json()["error"]
    assert stored.count() == 0


def test_500_events_is_the_largest_batch(client, auth, user, stored):
    response = post_events(client, {"events": [event(f"e{i % 7}") for i in range(500)]},
                           auth.headers)
    assert response.get_json()["accepted"] == 500
    assert stored.count() == 500


def test_body_over_one_mebibyte_is_413(client, auth, user, stored):
    batch = {"events": [event("a", properties={"blob": "x" * 7000}) for _ in range(160)]}
    assert len(json.dumps(batch)) > 1024 * 1024
    response = post_events(client, batch, auth.headers)
    assert response.status_code == 413
    assert stored.count() == 0


def test_body_that_is_not_json_is_400(client, auth, user, stored):
    response = client.post("/api/v1/events", data="{name: page_view}",
                           content_type="application/json", headers=auth.headers)
    assert response.status_code == 400
    assert response.get_json() == {"error": "Malformed JSON body"}
    assert stored.count() == 0


@pytest.mark.parametrize("body", ['{"name": "a", "properties": {"x": NaN}}',
                                  '{"name": "a", "properties": {"x": Infinity}}',
                                  '{"name": "a", "session_id": "nul\\u0000byte"}',
                                  '{"name": "a", "properties": {"x": "\\ud800"}}'])
def test_values_no_database_can_store_are_400(client, auth, user, stored, body):
    response = client.post("/api/v1/events", data=body, content_type="application/json",
                           headers=auth.headers)
    assert response.status_code == 400
    assert stored.count() == 0


def test_text_plain_without_key_is_415(client, auth, user, stored):
    response = client.post("/api/v1/events", data=json.dumps(event("a")),
                           content_type="text/plain", headers=auth.headers)
    assert response.status_code == 415
    assert stored.count() == 0


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/html"])
def test_other_content_types_are_415_even_with_key(client, ingest_key, stored, content_type):
    response = client.post("/api/v1/events", data=json.dumps(event("a")),
                           content_type=content_type, headers={"X-Ouroboard-Key": ingest_key})
    assert response.status_code == 415
    assert stored.count() == 0


def test_no_credentials_is_401(client, stored):
    response = post_events(client, event("a"))
    assert response.status_code == 401
    assert stored.count() == 0


def test_cookie_session_needs_csrf_header(client, auth, user, stored):
    refused = post_events(client, event("a"))
    assert refused.status_code == 401
    assert "CSRF" in refused.get_json()["error"]
    accepted = post_events(client, event("a"), auth.csrf_headers())
    assert accepted.status_code == 202
    assert stored.count() == 1


def test_key_in_header_stores_anonymous_events(client, ingest_key, stored):
    response = post_events(client, {"events": [event("page_view", anonymous_id="anon-1",
                                                     page_url="https://site.example/")]},
                           {"X-Ouroboard-Key": ingest_key})
    assert response.status_code == 202
    (row,) = stored.all()
    assert (row.user_id, row.anonymous_id, row.age_group, row.gender) == (None, "anon-1",
                                                                          None, None)


def test_key_in_text_plain_body_works_like_a_beacon(client, ingest_key, stored):
    body = json.dumps({"key": ingest_key, "sent_at": iso(datetime.now(UTC)),
                       "events": [event("page_view", anonymous_id="anon-2")]})
    response = client.post("/api/v1/events", data=body, content_type="text/plain")
    assert response.status_code == 202
    assert stored.all()[0].anonymous_id == "anon-2"


def test_key_request_needs_no_csrf_even_with_session_cookie(client, auth, user, ingest_key,
                                                            stored):
    response = post_events(client, event("a"), {"X-Ouroboard-Key": ingest_key})
    assert response.status_code == 202
    assert stored.all()[0].user_id is None  # a key never attributes events to a user


@pytest.mark.parametrize("bad_key", ["obk_not-a-real-key", "wrong-format", ""])
def test_unknown_key_is_401(client, stored, bad_key):
    response = post_events(client, {"key": bad_key, "events": [event("a")]})
    assert response.status_code == 401
    assert response.get_json() == {"error": "Invalid or revoked ingestion key"}
    assert stored.count() == 0


def test_key_lifecycle_through_the_cli(app, client, stored):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["keys", "create", "marketing-site"])
    assert created.exit_code == 0, created.output
    raw_key = created.output.strip().splitlines()[-1]
    assert raw_key.startswith("obk_")
    with app.app_context():
        key = db.session.execute(db.select(IngestKey)).scalar_one()
        assert raw_key not in (key.key_hash, key.key_prefix)  # stored hashed
    assert post_events(client, event("a"), {"X-Ouroboard-Key": raw_key}).status_code == 202

    listed = runner.invoke(args=["keys", "list"])
    assert "marketing-site" in listed.output and "active" in listed.output
    assert raw_key not in listed.output

    duplicate = runner.invoke(args=["keys", "create", "marketing-site"])
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output

    revoked = runner.invoke(args=["keys", "revoke", "marketing-site"])
    assert revoked.exit_code == 0
    assert post_events(client, event("b"), {"X-Ouroboard-Key": raw_key}).status_code == 401
    assert stored.count() == 1
    assert runner.invoke(args=["keys", "revoke", "nope"]).exit_code != 0


def test_rate_limit_per_key_is_429_with_retry_after(make_app, stored):
    from app.extensions import limiter
    from app.track.keys import create_key

    app = make_app(INGEST_RATE_LIMIT="3 per minute")
    with app.app_context():
        limiter.reset()
        _, first_key = create_key("first")
        _, second_key = create_key("second")
    client = app.test_client()
    statuses = [post_events(client, event("a"), {"X-Ouroboard-Key": first_key}).status_code
                for _ in range(4)]
    assert statuses == [202, 202, 202, 429]
    limited = post_events(client, event("a"), {"X-Ouroboard-Key": first_key})
    assert int(limited.headers["Retry-After"]) > 0
    assert post_events(client, event("a"), {"X-Ouroboard-Key": second_key}).status_code == 202


def test_rate_limit_per_user(make_app):
    from app.extensions import limiter

    app = make_app(INGEST_RATE_LIMIT="2 per minute")
    with app.app_context():
        limiter.reset()
    client = app.test_client()
    token = client.post("/api/v1/register", json={
        "username": "busy", "password": "long enough", "age": 20, "gender": "Other",
    }).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    statuses = [post_events(client, event("a"), headers).status_code for _ in range(3)]
    assert statuses == [202, 202, 429]
    track = client.post("/api/v1/track", json={"feature_name": "a"}, headers=headers)
    assert track.status_code == 429  # /track shares the user's budget


def test_ingest_cors_allows_key_sites_without_credentials(make_app, ingest_key):
    app = make_app(INGEST_CORS_ORIGINS=["*"], CORS_ORIGINS=["https://dash.example.com"])
    client = app.test_client()
    preflight = client.options("/api/v1/events", headers={
        "Origin": "https://blog.example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-ouroboard-key"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    other = client.get("/api/v1/me", headers={"Origin": "https://blog.example.org"})
    assert "Access-Control-Allow-Origin" not in other.headers


@contextmanager
def write_lock_held(database_url):
    """Hold the write lock from another connection, as a long migration or writer would."""
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"),
                                     isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            transaction = connection.begin()
            connection.execute(text("LOCK TABLE events IN ACCESS EXCLUSIVE MODE"))
            try:
                yield
            finally:
                transaction.rollback()
    finally:
        engine.dispose()


def test_locked_database_is_503_with_retry_after(make_app, database_url):
    app = make_app(DATABASE_LOCK_TIMEOUT_MS=200)
    client = app.test_client()
    token = client.post("/api/v1/register", json={
        "username": "locked", "password": "long enough", "age": 20, "gender": "Other",
    }).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    batch = {"events": [event("a"), event("b")]}
    with write_lock_held(database_url):
        response = post_events(client, batch, headers)
    assert response.status_code == 503
    assert response.get_json()["error"] == "Database unavailable, retry shortly"
    assert int(response.headers["Retry-After"]) >= 1
    # Once the lock is gone the same request succeeds: nothing was half-written.
    retried = post_events(client, batch, headers)
    assert retried.get_json() == {"accepted": 2, "duplicates": 0, "rejected": []}


class Clock:
    """Stands in for a cache's clock, moved by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_key_revoked_by_another_process_stops_working_within_the_cache_window(
        app, client, ingest_key, stored, monkeypatch):
    from app.track import keys

    clock = Clock()
    with app.app_context():
        monkeypatch.setattr(keys.verified_keys(), "clock", clock)
    assert post_events(client, event("a"), {"X-Ouroboard-Key": ingest_key}).status_code == 202
    # The CLI in another process revokes it: this worker's memory does not know yet.
    with app.app_context():
        db.session.execute(text("UPDATE ingest_keys SET revoked_at = CURRENT_TIMESTAMP"))
        db.session.commit()
    assert post_events(client, event("b"), {"X-Ouroboard-Key": ingest_key}).status_code == 202
    clock.now += keys.KEY_CACHE_SECONDS + 0.1
    response = post_events(client, event("c"), {"X-Ouroboard-Key": ingest_key})
    assert response.status_code == 401
    assert sorted(row.name for row in stored.all()) == ["a", "b"]


def test_user_fields_are_read_again_after_the_cache_window(app, client, auth, user, stored,
                                                          monkeypatch):
    from app.auth import sessions

    clock = Clock()
    with app.app_context():
        monkeypatch.setattr(sessions.session_users(), "clock", clock)
    assert post_events(client, event("a"), auth.headers).status_code == 202
    with app.app_context():
        db.session.execute(text("UPDATE users SET age = 16, gender = 'Other'"))
        db.session.commit()
    clock.now += sessions.USER_CACHE_SECONDS + 0.1
    assert post_events(client, event("b"), auth.headers).status_code == 202
    groups = {row.name: (row.age_group, row.gender) for row in stored.all()}
    assert groups == {"a": (">40", "Male"), "b": ("<18", "Other")}


def test_token_of_a_user_who_no_longer_exists_is_401(app, client, auth, user, stored):
    with app.app_context():
        db.session.execute(text("DELETE FROM users"))
        db.session.commit()
    assert post_events(client, event("a"), auth.headers).status_code == 401
    assert stored.count() == 0


def test_rollups_count_only_what_was_stored(app, client, auth, user, ingest_key, stored):
    """Twins, replays, rejections and anonymous events: the rollups kept at ingest equal a
    recount from the stored events, table by table."""
    from app.rollups.data import rebuild as rebuild_rollups
    from app.rollups.definition import ROLLUPS

    rollup_tables = [rollup.table for rollup in ROLLUPS]

    now = datetime.now(UTC)
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    edges = [month_start - timedelta(microseconds=1), month_start,
             now.replace(minute=59, second=59) - timedelta(hours=2)]
    first = event("a", timestamp=iso(edges[0]))
    twin = {**first, "name": "twin_loses"}  # same uuid: the first copy is the one stored
    replayed = event("b", timestamp=iso(edges[1]))
    assert post_events(client, {"events": [replayed]}, auth.headers).status_code == 202
    batch = [first, twin, replayed, {"name": ""}, event("c", timestamp=iso(edges[2])),
             event("a", timestamp=iso(edges[2]))]
    body = post_events(client, {"events": batch}, auth.headers).get_json()
    assert (body["accepted"], body["duplicates"], len(body["rejected"])) == (3, 2, 1)
    anonymous = [event("a", anonymous_id="visitor-1", timestamp=iso(edges[1])),
                 event("a", anonymous_id="visitor-1", timestamp=iso(edges[1])),
                 event("d")]
    response = post_events(client, {"events": anonymous},
                           {"X-Ouroboard-Key": ingest_key})
    assert response.get_json()["accepted"] == 3
    assert "twin_loses" not in {row.name for row in stored.all()}
    with app.app_context():
        kept = {table: sorted(db.session.execute(text(f"SELECT * FROM {table}")).all())  # noqa: S608
                for table in rollup_tables}
        rebuild_rollups()
        db.session.commit()
        recounted = {table: sorted(db.session.execute(text(f"SELECT * FROM {table}")).all())  # noqa: S608
                     for table in rollup_tables}
    assert all(kept[table] for table in rollup_tables)
    assert kept == recounted
