"""POST /api/v1/events (app/track/routes.py through the ingest pipeline): batches, partial
acceptance, idempotency, clock skew, event validation, a locked database, rollups."""

import sqlite3
import threading
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from app.extensions import db
from app.projects.builtin import self_tracking_project_id
from app.track.keys import create_key
from tests.conftest import StoredEvents
from tests.helpers import event, iso, post_events


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
    happened = (datetime.now(UTC) - timedelta(days=6, hours=23)).replace(microsecond=0)
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


@pytest.fixture
def import_key(app):
    """A raw ingestion key made for importing history."""
    with app.app_context():
        _, raw_key = create_key(self_tracking_project_id(), "history-import", allows_import=True)
    return raw_key


def test_ancient_timestamp_is_rejected_with_its_reason(client, import_key, stored):
    """400 days is the bound even for an import key."""
    old = datetime.now(UTC) - timedelta(days=401)
    fine = (datetime.now(UTC) - timedelta(days=399)).replace(microsecond=0)
    response = post_events(client, {"events": [event("old", timestamp=iso(old)),
                                               event("fine", timestamp=iso(fine))]},
                           {"X-Ouroboard-Key": import_key})
    body = response.get_json()
    assert body["accepted"] == 1
    assert body["rejected"] == [{"index": 0, "error": "timestamp is more than 400 days old"}]
    assert [(row.name, row.occurred_at) for row in stored.all()] == [("fine", fine)]


BACKDATE_REFUSAL = ("timestamp is more than 7 days old; older events need an ingestion key "
                    "created with `flask keys create --import`")


@pytest.mark.parametrize("sender", ["session", "ordinary key"])
def test_events_older_than_a_week_need_an_import_key(client, auth, user, ingest_key, stored,
                                                    sender):
    headers = auth.headers if sender == "session" else {"X-Ouroboard-Key": ingest_key}
    now = datetime.now(UTC)
    response = post_events(client, {"events": [
        event("last_week", timestamp=iso(now - timedelta(days=7, minutes=5))),
        event("this_week", timestamp=iso(now - timedelta(days=6, hours=23))),
    ]}, headers)
    assert response.status_code == 202
    assert response.get_json() == {"accepted": 1, "duplicates": 0,
                                   "rejected": [{"index": 0, "error": BACKDATE_REFUSAL}]}
    lone = post_events(client, event("lone", timestamp=iso(now - timedelta(days=30))),
                       headers)
    assert lone.status_code == 400
    assert lone.get_json()["details"] == {"timestamp": [BACKDATE_REFUSAL]}
    assert [row.name for row in stored.all()] == ["this_week"]


def test_an_import_key_backdates_events_and_the_charts_follow(client, auth, user, import_key,
                                                              stored):
    happened = (datetime.now(UTC) - timedelta(days=90)).replace(microsecond=0)
    response = post_events(client, {"events": [event("imported", timestamp=iso(happened))]},
                           {"X-Ouroboard-Key": import_key})
    assert response.get_json() == {"accepted": 1, "duplicates": 0, "rejected": []}
    assert [(row.name, row.occurred_at) for row in stored.all()] == [("imported", happened)]
    day = happened.date().isoformat()
    summary = client.get(f"/api/v1/analytics/summary?startDate={day}&endDate={day}",
                         headers=auth.headers)
    assert summary.get_json()["totalEvents"] == 1


def test_the_backdating_window_is_a_setting(make_app):
    app = make_app(MAX_BACKDATE_DAYS=30)
    with app.app_context():
        _, raw_key = create_key(self_tracking_project_id(), "monthly")
    now = datetime.now(UTC)
    response = post_events(app.test_client(), {"events": [
        event("in", timestamp=iso(now - timedelta(days=29))),
        event("out", timestamp=iso(now - timedelta(days=31)))]}, {"X-Ouroboard-Key": raw_key})
    assert response.get_json()["rejected"][0]["error"].startswith(
        "timestamp is more than 30 days old")
    assert [row.name for row in StoredEvents(app).all()] == ["in"]


def test_track_cannot_backdate(client, auth, user, stored):
    old = iso(datetime.now(UTC) - timedelta(days=30))
    response = client.post("/api/v1/track", json={"feature_name": "a", "timestamp": old},
                           headers=auth.headers)
    assert 400 <= response.status_code < 500
    assert stored.count() == 0


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
        "username": "locked", "password": "tangerine ostrich 47", "age": 20, "gender": "Other",
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
