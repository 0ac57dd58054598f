"""PostHog's capture API: posthog-python against a live server, and the raw bodies posthog-js
sends (gzip-js, base64 and lz64 forms, plain JSON, text/plain), with every bad input a 4xx.
"""

import base64
import gzip
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis
from posthog import Posthog

from app.extensions import db
from app.projects.builtin import self_tracking_project_id
from app.track.keys import create_key
from app.track.queue_writer import QueueWriter
from app.trackers.posthog_body import MAX_LZ64_CHARS
from app.trackers.posthog_lz import LzStringTooLong, decompress_from_base64
from tests.helpers import people_by_id, stored_events

# posthog-js 1.x's lz64 body for this event list, made by lz-string's compressToBase64:
# [{"event":"signed_up","properties":{"distinct_id":"lz-visitor","token":"KEY",
#   "plan":"free","$current_url":"https://shop.example/ü"}}]
LZ64_EVENTS = ("NobwRApgbhB2AuYBcYDOBLA5rCATA+gK4AOYANGMQE4D2xEV86Eqy4u6qTsAxvPulzIwAG"
               "wBeAWiid08GlXJg5"
               "AazjCA0gFEAmouIiAhrGEAzKhAiKAJD0JVzCIlRHCAFvHjFUSAPQ/UrnQAdBAAHgYAtvoQPgA/YAC+CQC6QA==")




def library(live_url, raw_key, errors, **options) -> Posthog:
    """posthog-python pointed at the live test server, recording any upload error."""
    return Posthog(raw_key, host=live_url, on_error=lambda error, batch: errors.append(error),
                   max_retries=0, **options)


def capture(client, body, **kwargs):
    return client.post("/capture/", json=body, **kwargs)


def event(**fields) -> dict:
    return {"event": "clicked", "distinct_id": "visitor-1", "uuid": str(uuid.uuid4()), **fields}


@pytest.mark.parametrize("compressed", [False, True], ids=["json", "gzip"])
def test_posthog_python_events_are_stored_as_ours(app, live_url, ingest_key, compressed):
    project_id, raw_key = ingest_key
    errors = []
    posthog = library(live_url, raw_key, errors, gzip=compressed)
    page_uuid = posthog.capture("$pageview", distinct_id="visitor-1", properties={
        "$current_url": "https://shop.example/pricing?plan=pro",
        "$referrer": "https://news.example/", "$session_id": "session-1"})
    click_uuid = posthog.capture("Clicked Buy", distinct_id="visitor-1",
                                 properties={"button": "buy", "price": 12.5})
    posthog.flush()
    posthog.shutdown()
    assert errors == []
    page, click = stored_events(app)
    assert (page.name, page.uuid, page.anonymous_id, page.session_id, page.page_url,
            page.referrer, page.project_id) == (
        "page_view", page_uuid, "visitor-1", "session-1",
        "https://shop.example/pricing?plan=pro", "https://news.example/", project_id)
    assert page.pathname == "/pricing"
    assert (click.name, click.uuid, click.anonymous_id) == ("Clicked Buy", click_uuid,
                                                            "visitor-1")
    assert click.properties["button"] == "buy" and click.properties["price"] == 12.5
    assert click.properties["$lib"] == "posthog-python"  # the library's own keys are kept


def test_a_resent_uuid_is_stored_once(app, live_url, ingest_key):
    _, raw_key = ingest_key
    errors = []
    posthog = library(live_url, raw_key, errors)
    sent = str(uuid.uuid4())
    for _ in range(2):
        posthog.capture("retried", distinct_id="visitor-1", uuid=sent)
        posthog.flush()
    posthog.shutdown()
    assert errors == []
    assert [(row.name, row.uuid) for row in stored_events(app)] == [("retried", sent)]


def test_set_and_alias_through_posthog_python_make_one_person_with_traits(
        app, client, auth, user, live_url, ingest_key):
    project_id, raw_key = ingest_key
    errors = []
    posthog = library(live_url, raw_key, errors)
    posthog.capture("$pageview", distinct_id="anon-7",
                    properties={"$current_url": "https://shop.example/"})
    posthog.set(distinct_id="user-7", properties={"age": 30, "gender": "Female", "plan": "pro"})
    posthog.set_once(distinct_id="user-7", properties={"plan": "free", "source": "ad"})
    posthog.alias(previous_id="anon-7", distinct_id="user-7")
    posthog.flush()
    posthog.shutdown()
    assert errors == []
    people = people_by_id(app, project_id)
    assert people["anon-7"]["person"] == people["user-7"]["person"]
    assert people["user-7"]["traits"] == {"age": 30, "gender": "Female", "plan": "pro",
                                          "source": "ad"}
    # PostHog keeps its person events as events, and so do we.
    assert sorted(row.name for row in stored_events(app)) == [
        "create_alias", "page_view", "set", "set_once"]
    pageview = next(row for row in stored_events(app) if row.name == "page_view")
    assert (pageview.age_group, pageview.gender) == ("18-40", "Female")
    answer = client.get("/api/v1/analytics/summary?person:plan=pro&feature=page_view",
                        headers=auth.headers)
    assert answer.status_code == 200
    assert answer.get_json()["totalEvents"] == 1


def test_posthog_js_identify_links_the_anonymous_id_and_keeps_the_key_out(app, client,
                                                                         ingest_key):
    project_id, raw_key = ingest_key
    body = [
        {"event": "$pageview", "properties": {"distinct_id": "anon-js", "token": raw_key,
                                              "$current_url": "https://shop.example/",
                                              "$referrer": "$direct"}},
        {"event": "$identify", "properties": {"distinct_id": "user-js", "token": raw_key,
                                              "$anon_distinct_id": "anon-js"},
         "$set": {"email": "a@example.com"}, "$set_once": {"first_seen": "today"}},
    ]
    response = client.post("/e/?compression=gzip-js", data=gzip.compress(json.dumps(body).encode()),
                           content_type="text/plain")
    assert response.status_code == 200
    assert response.get_json() == {"status": 1, "accepted": 2, "duplicates": 0, "rejected": []}
    pageview, identify = stored_events(app)
    assert (pageview.name, pageview.anonymous_id, pageview.referrer) == ("page_view", "anon-js",
                                                                        None)
    assert "token" not in pageview.properties
    assert (identify.name, identify.anonymous_id) == ("identify", "user-js")
    people = people_by_id(app, project_id)
    assert people["anon-js"]["person"] == people["user-js"]["person"]
    assert people["user-js"]["traits"] == {"email": "a@example.com", "first_seen": "today"}


def test_anonymous_visitors_marked_personless_make_no_person(app, client, ingest_key):
    project_id, raw_key = ingest_key
    response = capture(client, event(api_key=raw_key, properties={
        "$process_person_profile": False, "$set_once": {"$initial_referrer": "$direct"}}))
    assert response.status_code == 200
    assert people_by_id(app, project_id) == {}


def gzip_js(body):
    return {"path": "/e/?compression=gzip-js", "data": gzip.compress(json.dumps(body).encode()),
            "content_type": "text/plain"}


def gzip_header(body):
    return {"path": "/batch/", "data": gzip.compress(json.dumps(body).encode()),
            "content_type": "application/json", "headers": {"Content-Encoding": "gzip"}}


def base64_form(body):
    encoded = base64.b64encode(json.dumps(body).encode()).decode()
    return {"path": "/e/?compression=base64", "data": {"data": encoded},
            "content_type": "application/x-www-form-urlencoded"}


def unescaped_base64_form(body):
    """A form whose '+' the client did not escape (it arrives as a space)."""
    encoded = base64.b64encode(json.dumps(body).encode()).decode()
    return {"path": "/e/", "data": f"data={encoded}&compression=base64",
            "content_type": "application/x-www-form-urlencoded"}


def plain_text(body):
    return {"path": "/i/v0/e/", "data": json.dumps(body), "content_type": "text/plain"}


def plain_json(body):
    return {"path": "/capture", "data": json.dumps(body), "content_type": "application/json"}


@pytest.mark.parametrize("encode", [gzip_js, gzip_header, base64_form, unescaped_base64_form,
                                    plain_text, plain_json])
def test_each_body_encoding_is_read(app, client, ingest_key, encode):
    _, raw_key = ingest_key
    sent = event(properties={"token": raw_key, "note": "ü€😀 +/="})
    body = {"api_key": raw_key, "batch": [sent]} if encode is gzip_header else [sent]
    request = encode(body)
    response = client.post(request.pop("path"), **request)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["accepted"] == 1
    [row] = stored_events(app)
    assert (row.name, row.uuid, row.properties["note"]) == ("clicked", sent["uuid"], "ü€😀 +/=")


def test_an_lz64_form_from_posthog_js_is_read(app, client, ingest_key):
    _, raw_key = ingest_key
    response = client.post("/e/", data={"data": LZ64_EVENTS, "compression": "lz64"},
                           headers={"Authorization": f"Bearer {raw_key}"})
    assert response.status_code == 200, response.get_json()
    [row] = stored_events(app)
    assert (row.name, row.anonymous_id, row.page_url) == (
        "signed_up", "lz-visitor", "https://shop.example/ü")
    assert row.properties == {"distinct_id": "lz-visitor", "plan": "free",
                              "$current_url": "https://shop.example/ü"}


@pytest.mark.parametrize("path", ["/capture/", "/capture", "/batch/", "/batch", "/e/", "/e",
                                  "/i/v0/e/", "/i/v0/e"])
def test_every_capture_path_takes_events(app, client, ingest_key, path):
    _, raw_key = ingest_key
    response = client.post(path, json={"api_key": raw_key, "batch": [event()]})
    assert response.status_code == 200
    assert len(stored_events(app)) == 1


def test_sent_at_corrects_the_clients_clock(app, client, ingest_key):
    _, raw_key = ingest_key
    client_now = datetime.now(UTC) - timedelta(hours=3)  # a clock three hours behind
    response = client.post("/batch/", json={
        "api_key": raw_key, "sent_at": client_now.isoformat(),
        "batch": [event(timestamp=(client_now - timedelta(minutes=5)).isoformat())]})
    assert response.status_code == 200
    [row] = stored_events(app)
    happened = row.occurred_at.replace(tzinfo=UTC)
    assert abs(happened - (datetime.now(UTC) - timedelta(minutes=5))) < timedelta(seconds=30)


def test_posthog_js_send_time_in_the_url_corrects_the_clock(app, client, ingest_key):
    _, raw_key = ingest_key
    client_now = datetime.now(UTC) - timedelta(hours=3)
    sent = event(properties={"token": raw_key},
                 timestamp=(client_now - timedelta(minutes=5)).isoformat())
    millis = int(client_now.timestamp() * 1000)
    response = client.post(f"/e/?ver=1.200.0&_={millis}", json=[sent])
    assert response.status_code == 200
    [row] = stored_events(app)
    happened = row.occurred_at.replace(tzinfo=UTC)
    assert abs(happened - (datetime.now(UTC) - timedelta(minutes=5))) < timedelta(seconds=30)


@pytest.mark.parametrize("millis", ["999999999999999", "²", "-5", "1e5", ""])
def test_an_unreadable_send_time_in_the_url_leaves_the_clock_alone(app, client, ingest_key,
                                                                  millis):
    _, raw_key = ingest_key
    response = client.post(f"/e/?_={millis}", json=[event(properties={"token": raw_key})])
    assert response.status_code == 200, response.get_json()
    assert len(stored_events(app)) == 1


def test_the_tools_own_keys_are_shed_only_when_properties_are_too_large(app, client,
                                                                        ingest_key):
    _, raw_key = ingest_key
    elements = [{"tag_name": "a", "classes": ["x" * 100], "attr__href": "/" * 50}] * 40
    response = capture(client, event(api_key=raw_key, properties={
        "$elements": elements, "$browser": "Firefox", "plan": "pro"}))
    assert response.status_code == 200
    [row] = stored_events(app)
    assert row.properties == {"$browser": "Firefox", "plan": "pro"}


def test_the_ingest_budget_is_shared_with_api_v1(make_app):
    app = make_app(INGEST_RATE_LIMIT="3 per minute")
    with app.app_context():
        _, raw_key = create_key(self_tracking_project_id(), "budget")
        db.session.commit()
    client = app.test_client()
    ours = client.post("/api/v1/events", json={"events": [{"name": "a"}, {"name": "b"}]},
                       headers={"X-Ouroboard-Key": raw_key})
    assert ours.status_code == 202
    theirs = client.post("/batch/", json={"api_key": raw_key, "batch": [event(), event()]})
    assert theirs.status_code == 429
    assert "error" in theirs.get_json()


@pytest.mark.parametrize("path", ["/decide/?v=3", "/flags/?v=2&config=true", "/flags"])
def test_flag_requests_are_answered_with_no_flags(client, ingest_key, path):
    _, raw_key = ingest_key
    response = client.post(path, json={"token": raw_key, "distinct_id": "visitor-1"})
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["featureFlags"] == {} and answer["flags"] == {}
    assert answer["errorsWhileComputingFlags"] is False


def test_flag_requests_need_a_valid_key(client):
    response = client.post("/flags/", json={"token": "not-a-key", "distinct_id": "v"})
    assert response.status_code == 401


def oversize_properties() -> dict:
    return {f"key{index}": "x" * 200 for index in range(60)}


@pytest.mark.parametrize("request_args", [
    {"json": {"api_key": "phc_unknown", **event()}},
    {"json": event()},
    {"json": event(), "headers": {"Authorization": "Bearer wrong"}},
    {"json": [event(properties={"token": "revoked-or-never-made"})]},
], ids=["unknown-key", "no-key", "wrong-bearer", "unknown-token"])
def test_a_wrong_or_missing_key_is_401(app, client, request_args):
    response = client.post("/capture/", **request_args)
    assert response.status_code == 401
    assert response.get_json() == {"error": "Invalid or revoked ingestion key"}
    assert stored_events(app) == []


@pytest.mark.parametrize(("request_args", "status"), [
    ({"json": "just text"}, 400),
    ({"json": 42}, 400),
    ({"data": "{not json", "content_type": "application/json"}, 400),
    ({"data": b"\x1f\x8b\x08\x00garbage", "content_type": "text/plain"}, 400),
    ({"data": gzip.compress(b'{"a": 1}')[:-6], "content_type": "text/plain"}, 400),
    ({"data": b"not gzip at all", "headers": {"Content-Encoding": "gzip"}}, 400),
    ({"data": {"data": "%%%not base64"}, "content_type": "application/x-www-form-urlencoded"},
     400),
    ({"data": {"data": "!!!", "compression": "lz64"}}, 400),
    ({"data": {"data": "NobwRApgbhB2AuYBcYDOBLA5", "compression": "lz64"}}, 400),
    ({"data": {"other": "x"}}, 400),
    ({"data": b"{}", "headers": {"Content-Encoding": "br"}}, 415),
    ({"json": {"batch": "not a list"}}, 400),
    ({"data": "[" * 40 + "]" * 40, "content_type": "application/json"}, 400),
    ({"data": '{"event": "a\\u0000b"}', "content_type": "application/json"}, 400),
], ids=["string-json", "number-json", "bad-json", "bad-gzip", "cut-gzip", "encoding-not-gzip",
        "bad-base64", "bad-lz64", "cut-lz64", "form-without-data", "brotli", "batch-not-list",
        "too-deep", "nul"])
def test_bad_bodies_are_4xx_json(app, client, ingest_key, request_args, status):
    _, raw_key = ingest_key
    request_args = dict(request_args)  # the table is shared by the SQLite and Postgres runs
    headers = {"Authorization": f"Bearer {raw_key}", **request_args.pop("headers", {})}
    response = client.post("/capture/", headers=headers, **request_args)
    assert response.status_code == status
    assert isinstance(response.get_json()["error"], str)
    assert stored_events(app) == []


def test_a_lone_event_without_distinct_id_is_400(app, client, ingest_key):
    _, raw_key = ingest_key
    response = capture(client, {"api_key": raw_key, "event": "clicked"})
    assert response.status_code == 400
    assert response.get_json()["details"] == {"distinct_id": ["required (a string or number)"]}


def test_a_lone_event_with_oversize_properties_is_400(app, client, ingest_key):
    _, raw_key = ingest_key
    response = capture(client, event(api_key=raw_key, properties=oversize_properties()))
    assert response.status_code == 400
    assert "properties" in response.get_json()["details"]
    assert stored_events(app) == []


def test_bad_events_in_a_batch_are_rejected_one_by_one(app, client, ingest_key):
    _, raw_key = ingest_key
    response = client.post("/batch/", json={"api_key": raw_key, "batch": [
        event(event="kept"), {"event": "no_one"}, "not an object",
        event(properties=oversize_properties()), event(event=12), event(event="kept_too")]})
    assert response.status_code == 200
    answer = response.get_json()
    assert (answer["status"], answer["accepted"]) == (1, 2)
    assert [item["index"] for item in answer["rejected"]] == [1, 2, 3, 4]
    assert answer["rejected"][0]["error"].startswith("distinct_id")
    assert "properties" in answer["rejected"][2]["error"]
    assert [row.name for row in stored_events(app)] == ["kept", "kept_too"]


def test_a_decompression_bomb_stops_at_the_body_limit(app, client, ingest_key):
    _, raw_key = ingest_key
    bomb = gzip.compress(json.dumps([event(properties={"pad": " " * (4 << 20)})]).encode())
    assert len(bomb) < 64 * 1024
    response = client.post("/e/?compression=gzip-js", data=bomb, content_type="text/plain",
                           headers={"Authorization": f"Bearer {raw_key}"})
    assert response.status_code == 413
    assert "decompressed" in response.get_json()["error"]


def test_a_batch_over_500_events_is_413(client, ingest_key):
    _, raw_key = ingest_key
    response = client.post("/batch/", json={"api_key": raw_key,
                                            "batch": [event() for _ in range(501)]})
    assert response.status_code == 413


def test_sites_in_ingest_cors_origins_may_send_from_the_browser(make_app):
    app = make_app(INGEST_CORS_ORIGINS=["https://shop.example"])
    response = app.test_client().options("/e/", headers={
        "Origin": "https://shop.example", "Access-Control-Request-Method": "POST"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://shop.example"


def test_queued_events_are_stored_by_the_writer(make_app, redis_url):
    stream = f"test:posthog:{uuid.uuid4().hex}"
    app = make_app(INGEST_QUEUE="redis", REDIS_URL=redis_url, INGEST_QUEUE_STREAM=stream)
    try:
        with app.app_context():
            _, raw_key = create_key(self_tracking_project_id(), "queued")
            db.session.commit()
        sent = event(event="$pageview", properties={"$current_url": "https://shop.example/"})
        response = app.test_client().post("/batch/", json={"api_key": raw_key, "batch": [sent]})
        assert response.get_json() == {"status": 1, "accepted": 1, "duplicates": 0,
                                       "rejected": []}
        assert stored_events(app) == []
        assert QueueWriter(app, "writer").drain() == 1
        assert [(row.name, row.uuid) for row in stored_events(app)] == [("page_view",
                                                                         sent["uuid"])]
    finally:
        redis.Redis.from_url(redis_url).delete(stream, stream + ":dead")


def test_lz64_text_stops_decoding_at_its_bound():
    assert json.loads(decompress_from_base64(LZ64_EVENTS, 1000))[0]["event"] == "signed_up"
    with pytest.raises(LzStringTooLong):
        decompress_from_base64(LZ64_EVENTS, 50)


def test_an_lz64_body_past_its_bound_is_413(client, ingest_key):
    _, raw_key = ingest_key
    response = client.post("/e/", data={"data": "A" * (MAX_LZ64_CHARS + 1),
                                        "compression": "lz64"},
                           headers={"Authorization": f"Bearer {raw_key}"})
    assert response.status_code == 413


def test_remote_config_is_answered_for_a_valid_key(client, ingest_key):
    _, raw_key = ingest_key
    response = client.get(f"/array/{raw_key}/config")
    assert response.status_code == 200
    assert response.get_json()["featureFlags"] == {}
    assert client.get("/array/phc_unknown/config").status_code == 401
