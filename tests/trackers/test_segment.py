"""Segment's HTTP Tracking API: segment-analytics-python against a live server, the single
endpoints and batches as Segment documents them, with every bad input a 4xx.
"""

import base64
import gzip
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis
from segment.analytics.client import Client

from app.extensions import db
from app.projects.builtin import self_tracking_project_id
from app.track.keys import create_key
from app.track.queue_writer import QueueWriter
from tests.helpers import people_by_id, stored_events


def library(live_url, raw_key, errors, **options) -> Client:
    """segment-analytics-python pointed at the live test server, recording upload errors."""
    return Client(raw_key, host=live_url, on_error=lambda error, batch: errors.append(error),
                  max_retries=0, **options)


def basic(raw_key: str) -> dict:
    """Segment's auth: the write key as the Basic user name, no password."""
    return {"Authorization": "Basic " + base64.b64encode(f"{raw_key}:".encode()).decode()}


def message(**fields) -> dict:
    return {"type": "track", "event": "Clicked", "userId": "user-1",
            "messageId": str(uuid.uuid4()), **fields}


@pytest.mark.parametrize("compressed", [False, True], ids=["json", "gzip"])
def test_segment_python_messages_are_stored_as_ours(app, live_url, ingest_key, compressed):
    project_id, raw_key = ingest_key
    errors = []
    analytics = library(live_url, raw_key, errors, gzip=compressed)
    analytics.track(user_id="user-1", event="Order Completed",
                    properties={"revenue": 12.5, "currency": "EUR"}, message_id="order-1")
    analytics.page(anonymous_id="anon-1", name="Pricing", category="Docs",
                   properties={"url": "https://shop.example/pricing",
                               "referrer": "https://news.example/"})
    analytics.screen(user_id="user-1", name="Settings", properties={"tab": "billing"})
    analytics.group(user_id="user-1", group_id="team-1", traits={"name": "Team"})
    analytics.flush()
    analytics.shutdown()
    assert errors == []
    order, page, screen = stored_events(app)
    assert (order.name, order.anonymous_id, order.properties, order.project_id) == (
        "Order Completed", "user-1", {"revenue": 12.5, "currency": "EUR"}, project_id)
    assert (page.name, page.anonymous_id, page.page_url, page.referrer, page.pathname) == (
        "page_view", "anon-1", "https://shop.example/pricing", "https://news.example/",
        "/pricing")
    assert page.properties["name"] == "Pricing" and page.properties["category"] == "Docs"
    assert (screen.name, screen.properties) == ("screen", {"name": "Settings",
                                                           "tab": "billing"})


def test_a_resent_message_id_is_stored_once(app, live_url, ingest_key):
    _, raw_key = ingest_key
    errors = []
    analytics = library(live_url, raw_key, errors)
    for _ in range(2):
        analytics.track(user_id="user-1", event="Retried", message_id="ajs-next-123")
        analytics.flush()
    analytics.shutdown()
    assert errors == []
    assert [row.name for row in stored_events(app)] == ["Retried"]


def test_identify_and_alias_make_one_person_with_traits(app, client, auth, user, live_url,
                                                        ingest_key):
    project_id, raw_key = ingest_key
    errors = []
    analytics = library(live_url, raw_key, errors)
    analytics.page(anonymous_id="anon-9", properties={"url": "https://shop.example/"})
    analytics.identify(user_id="user-9", anonymous_id="anon-9",
                       traits={"age": 52, "gender": "Male", "plan": "team"})
    analytics.alias(previous_id="old-id-9", user_id="user-9")
    analytics.track(user_id="user-9", event="Upgraded")
    analytics.flush()
    analytics.shutdown()
    assert errors == []
    people = people_by_id(app, project_id)
    assert people["anon-9"]["person"] == people["user-9"]["person"] == \
        people["old-id-9"]["person"]
    assert people["user-9"]["traits"] == {"age": 52, "gender": "Male", "plan": "team"}
    # identify and alias are people's, not events (as Segment keeps them apart from tracks).
    assert [(row.name, row.anonymous_id, row.age_group, row.gender)
            for row in stored_events(app)] == [("page_view", "anon-9", ">40", "Male"),
                                               ("Upgraded", "user-9", ">40", "Male")]
    answer = client.get("/api/v1/analytics/summary?person:plan=team", headers=auth.headers)
    assert answer.status_code == 200
    assert answer.get_json()["totalEvents"] == 2


def test_an_event_with_both_ids_links_the_anonymous_one(app, client, ingest_key):
    project_id, raw_key = ingest_key
    response = client.post("/v1/track", headers=basic(raw_key), json={
        "userId": "user-2", "anonymousId": "anon-2", "event": "Signed In"})
    assert response.status_code == 200
    assert response.get_json() == {"success": True, "accepted": 1, "duplicates": 0,
                                   "rejected": []}
    [row] = stored_events(app)
    assert row.anonymous_id == "user-2"
    people = people_by_id(app, project_id)
    assert people["anon-2"]["person"] == people["user-2"]["person"]


@pytest.mark.parametrize(("path", "body", "name"), [
    ("/v1/track", {"userId": "u", "event": "Clicked"}, "Clicked"),
    ("/v1/page", {"anonymousId": "a", "context": {"page": {"url": "https://x.example/p"}}},
     "page_view"),
    ("/v1/screen", {"userId": "u", "name": "Home"}, "screen"),
])
def test_each_event_endpoint_stores_one_event(app, client, ingest_key, path, body, name):
    _, raw_key = ingest_key
    response = client.post(path, json=body, headers=basic(raw_key))
    assert response.status_code == 200
    [row] = stored_events(app)
    assert row.name == name


@pytest.mark.parametrize(("path", "body"), [
    ("/v1/identify", {"userId": "u", "traits": {"plan": "pro"}}),
    ("/v1/alias", {"userId": "u", "previousId": "p"}),
    ("/v1/group", {"userId": "u", "groupId": "g", "traits": {"name": "G"}}),
])
def test_people_endpoints_answer_success_and_store_no_event(app, client, ingest_key, path,
                                                            body):
    _, raw_key = ingest_key
    response = client.post(path, json=body, headers=basic(raw_key))
    assert response.status_code == 200
    assert response.get_json()["success"] is True
    assert stored_events(app) == []


def test_the_write_key_may_come_in_the_body_and_bodies_may_be_gzip(app, client, ingest_key):
    _, raw_key = ingest_key
    body = {"writeKey": raw_key, "batch": [message()]}
    response = client.post("/v1/batch", data=gzip.compress(json.dumps(body).encode()),
                           content_type="text/plain", headers={"Content-Encoding": "gzip"})
    assert response.status_code == 200
    assert len(stored_events(app)) == 1


def test_sent_at_corrects_the_clients_clock(app, client, ingest_key):
    _, raw_key = ingest_key
    client_now = datetime.now(UTC) + timedelta(hours=2)  # a clock two hours ahead
    response = client.post("/v1/batch", headers=basic(raw_key), json={
        "sentAt": client_now.isoformat(),
        "batch": [message(timestamp=(client_now - timedelta(minutes=10)).isoformat())]})
    assert response.status_code == 200
    [row] = stored_events(app)
    happened = row.occurred_at.replace(tzinfo=UTC)
    assert abs(happened - (datetime.now(UTC) - timedelta(minutes=10))) < timedelta(seconds=30)


def test_a_messages_own_sent_at_corrects_its_clock_when_the_batch_has_none(app, client,
                                                                           ingest_key):
    _, raw_key = ingest_key
    client_now = datetime.now(UTC) - timedelta(hours=5)
    response = client.post("/v1/track", headers=basic(raw_key), json=message(
        sentAt=client_now.isoformat(), timestamp=(client_now - timedelta(minutes=1)).isoformat()))
    assert response.status_code == 200
    [row] = stored_events(app)
    happened = row.occurred_at.replace(tzinfo=UTC)
    assert abs(happened - (datetime.now(UTC) - timedelta(minutes=1))) < timedelta(seconds=30)


def test_bad_messages_in_a_batch_are_rejected_one_by_one(app, client, ingest_key):
    _, raw_key = ingest_key
    response = client.post("/v1/batch", headers=basic(raw_key), json={"batch": [
        message(event="Kept"), message(userId=None), "not an object", message(type="launch"),
        message(properties={f"key{index}": "x" * 200 for index in range(60)}),
        message(type="identify", traits=["not", "an", "object"]), message(type=["track"]),
        message(event="Kept Too")]})
    assert response.status_code == 200
    answer = response.get_json()
    assert (answer["success"], answer["accepted"]) == (True, 2)
    assert [item["index"] for item in answer["rejected"]] == [1, 2, 3, 4, 5, 6]
    assert answer["rejected"][0]["error"] == "userId: userId or anonymousId is required"
    assert [row.name for row in stored_events(app)] == ["Kept", "Kept Too"]


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Basic " + base64.b64encode(b"not-a-key:").decode()},
    {"Authorization": "Bearer something"},
], ids=["no-key", "unknown-key", "not-basic"])
def test_a_wrong_or_missing_write_key_is_401(app, client, headers):
    response = client.post("/v1/track", json={"userId": "u", "event": "x"}, headers=headers)
    assert response.status_code == 401
    assert response.get_json() == {"error": "Invalid or revoked ingestion key"}
    assert stored_events(app) == []


@pytest.mark.parametrize(("path", "request_args", "status"), [
    ("/v1/track", {"json": {"event": "x"}}, 400),
    ("/v1/track", {"json": {"userId": "u"}}, 400),
    ("/v1/track", {"json": {"userId": "u", "event": "x",
                            "properties": {f"k{index}": "x" * 200 for index in range(60)}}}, 400),
    ("/v1/page", {"json": {"userId": "u", "properties": "text"}}, 400),
    ("/v1/identify", {"json": {"userId": "u", "traits": {"t": [[[[1]]]]}}}, 400),
    ("/v1/alias", {"json": {"userId": "u"}}, 400),
    ("/v1/track", {"json": ["a", "list"]}, 400),
    ("/v1/batch", {"json": {"batch": {"not": "a list"}}}, 400),
    ("/v1/track", {"data": "{broken", "content_type": "application/json"}, 400),
    ("/v1/batch", {"data": b"\x1f\x8bnot really", "headers": {"Content-Encoding": "gzip"}}, 400),
    ("/v1/batch", {"data": gzip.compress(b"{}" * 10)[:-4],
                   "headers": {"Content-Encoding": "gzip"}}, 400),
    ("/v1/batch", {"data": gzip.compress(b" " * (3 << 20) + b"{}"),
                   "headers": {"Content-Encoding": "gzip"}}, 413),
    ("/v1/batch", {"json": {"batch": [message() for _ in range(501)]}}, 413),
], ids=["no-ids", "no-event-name", "oversize-properties", "properties-not-object",
        "traits-too-deep", "alias-without-previous", "list-body", "batch-not-list",
        "bad-json", "bad-gzip", "cut-gzip", "gzip-bomb", "too-many"])
def test_bad_input_is_4xx_json(app, client, ingest_key, path, request_args, status):
    _, raw_key = ingest_key
    request_args = dict(request_args)  # the table is shared by the SQLite and Postgres runs
    headers = {**basic(raw_key), **request_args.pop("headers", {})}
    response = client.post(path, headers=headers, **request_args)
    assert response.status_code == status
    assert isinstance(response.get_json()["error"], str)
    assert stored_events(app) == []


def test_queued_messages_are_stored_by_the_writer(make_app, redis_url):
    stream = f"test:segment:{uuid.uuid4().hex}"
    app = make_app(INGEST_QUEUE="redis", REDIS_URL=redis_url, INGEST_QUEUE_STREAM=stream)
    try:
        with app.app_context():
            _, raw_key = create_key(self_tracking_project_id(), "queued")
            db.session.commit()
        response = app.test_client().post("/v1/batch", headers=basic(raw_key),
                                          json={"batch": [message(event="Queued")]})
        assert response.get_json() == {"success": True, "accepted": 1, "duplicates": 0,
                                       "rejected": []}
        assert stored_events(app) == []
        assert QueueWriter(app, "writer").drain() == 1
        assert [row.name for row in stored_events(app)] == ["Queued"]
    finally:
        redis.Redis.from_url(redis_url).delete(stream, stream + ":dead")


def analytics_js_page(raw_key: str) -> dict:
    """A page call as analytics.js (analytics-next) posts it to /v1/p."""
    page = {"path": "/pricing", "referrer": "https://news.example/", "search": "",
            "title": "Pricing", "url": "https://shop.example/pricing"}
    return {"timestamp": datetime.now(UTC).isoformat(), "integrations": {}, "type": "page",
            "properties": page, "userId": None, "anonymousId": "f6b2c1d0-ajs",
            "context": {"page": page, "locale": "en-US",
                        "library": {"name": "analytics.js", "version": "npm:next-1.70.0"}},
            "messageId": "ajs-next-1764800000000-3f2a", "writeKey": raw_key,
            "sentAt": datetime.now(UTC).isoformat(),
            "_metadata": {"bundled": ["Segment.io"], "unbundled": [], "bundledIds": []}}


def test_analytics_js_one_letter_paths_and_batches_are_taken(app, client, ingest_key):
    _, raw_key = ingest_key
    response = client.post("/v1/p", data=json.dumps(analytics_js_page(raw_key)),
                           content_type="text/plain")
    assert response.status_code == 200, response.get_json()
    track = {"type": "track", "event": "Signed Up", "anonymousId": "f6b2c1d0-ajs",
             "messageId": "ajs-next-1764800000001-9c1e", "properties": {"plan": "free"}}
    response = client.post("/v1/b", content_type="text/plain", data=json.dumps({
        "writeKey": raw_key, "batch": [track], "sentAt": datetime.now(UTC).isoformat()}))
    assert response.status_code == 200, response.get_json()
    page, signup = stored_events(app)
    assert (page.name, page.anonymous_id, page.page_url, page.referrer) == (
        "page_view", "f6b2c1d0-ajs", "https://shop.example/pricing", "https://news.example/")
    assert (signup.name, signup.anonymous_id) == ("Signed Up", "f6b2c1d0-ajs")


def test_analytics_js_settings_point_it_at_this_server(client, ingest_key):
    _, raw_key = ingest_key
    response = client.get(f"/v1/projects/{raw_key}/settings")
    assert response.status_code == 200
    assert response.get_json()["integrations"] == {"Segment.io": {
        "apiKey": raw_key, "apiHost": "localhost/v1", "protocol": "http"}}
    assert client.get("/v1/projects/not-a-real-key/settings").status_code == 401


def test_sites_in_ingest_cors_origins_may_send_from_the_browser(make_app):
    app = make_app(INGEST_CORS_ORIGINS=["https://shop.example"])
    for path in ("/v1/t", "/v1/batch", "/v1/projects/some-key/settings"):
        response = app.test_client().options(path, headers={
            "Origin": "https://shop.example", "Access-Control-Request-Method": "POST"})
        assert response.headers["Access-Control-Allow-Origin"] == "https://shop.example"
