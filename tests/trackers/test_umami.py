"""Umami's collection API (app/trackers/umami.py): @umami/node itself, run by node against the
live server, Umami's script's documented request shapes, identify, and bad input, which is
a 4xx JSON answer and stores nothing.
"""

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Person, PersonDistinctId
from tests.helpers import stored_events

ROOT = Path(__file__).resolve().parents[2]
UMAMI_NODE = ROOT / "frontend" / "node_modules" / "@umami" / "node"
CHROME_UA = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
             "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36")
SITE = "https://www.example.com"
KEY = "<the ingestion key>"

# A server-side app using @umami/node as its README shows: init, track a page view and an
# event, identify. It prints each answer's status and body.
NODE_SCRIPT = """
const { Umami } = require(process.argv[1]);  // node -e: argv[1] is the first argument
const [hostUrl, websiteId, userAgent] = process.argv.slice(2);
const umami = new Umami();
umami.init({ websiteId, hostUrl, userAgent });
(async () => {
  const answers = [];
  for (const call of [
    () => umami.track({ url: '/pricing', hostname: 'www.example.com', title: 'Pricing',
                        referrer: 'https://duckduckgo.com/' }),
    () => umami.track('signup-click', { plan: 'team' }),
    () => umami.identify({ age: 34, gender: 'Female', company: 'Acme' }),
  ]) {
    const response = await call();
    answers.push([response.status, await response.json()]);
  }
  console.log(JSON.stringify(answers));
})().catch((error) => { console.error(error); process.exit(1); });
"""



def people(app) -> dict[str, dict]:
    """{distinct id: traits} of every person."""
    with app.app_context():
        rows = db.session.execute(select(PersonDistinctId.distinct_id, Person.traits).join(
            Person, Person.id == PersonDistinctId.person_id))
        return {row.distinct_id: row.traits for row in rows}


def person_ids(app, distinct_id: str) -> set[str]:
    """Every distinct id of the person known as `distinct_id`."""
    with app.app_context():
        person = db.session.execute(select(PersonDistinctId.person_id).where(
            PersonDistinctId.distinct_id == distinct_id)).scalar_one()
        return set(db.session.execute(select(PersonDistinctId.distinct_id).where(
            PersonDistinctId.person_id == person)).scalars())


def send(client, call, **headers):
    return client.post("/api/send", json=call, headers={"User-Agent": CHROME_UA, **headers})


def script_payload(raw_key: str, **fields) -> dict:
    """What Umami's script puts in every payload (src/tracker/index.js getPayload)."""
    return {"website": raw_key, "screen": "1920x1080", "language": "en-GB",
            "title": "Pricing", "hostname": "www.example.com", "url": f"{SITE}/pricing",
            "referrer": "https://news.ycombinator.com/", "tag": None,
            "id": None, "vid": "0b9a4cf1-8a0e-4a53-9a59-7c1bd8d3f1e2", **fields}


# --- @umami/node ------------------------------------------------------------------------------

def test_umami_node_tracks_and_identifies(app, live_url, ingest_key):
    node = shutil.which("node")
    if node is None or not UMAMI_NODE.is_dir():
        pytest.skip("node or @umami/node missing: cd frontend && npm ci")
    project_id, raw_key = ingest_key
    result = subprocess.run([node, "-e", NODE_SCRIPT, str(UMAMI_NODE), live_url, raw_key,
                             CHROME_UA], capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [[200, {}], [200, {}], [200, {}]]
    view, click = stored_events(app)
    assert (view.name, view.project_id, view.page_url) == (
        "page_view", project_id, f"{SITE}/pricing")
    assert (view.pathname, view.referrer_domain) == ("/pricing", "duckduckgo.com")
    assert view.properties == {"title": "Pricing"}
    assert (click.name, click.properties) == ("signup-click", {"plan": "team"})
    assert view.is_bot is False and view.anonymous_id is None
    # @umami/node sends no id: Umami keeps such traits on its session of address and
    # User-Agent; no event of ours carries an id they could belong to, so none is kept.
    assert people(app) == {}


# --- Umami's script, by its documented request shapes ----------------------------------------

def test_script_page_view_uses_its_visitor_id(app, client, ingest_key):
    project_id, raw_key = ingest_key
    response = send(client, {"type": "event", "payload": script_payload(raw_key)},
                    **{"x-umami-cache": "ignored.token"})
    assert (response.status_code, response.get_json()) == (200, {})
    (view,) = stored_events(app)
    assert (view.name, view.project_id, view.page_url) == ("page_view", project_id,
                                                          f"{SITE}/pricing")
    assert view.anonymous_id == "0b9a4cf1-8a0e-4a53-9a59-7c1bd8d3f1e2"
    assert view.referrer_domain == "news.ycombinator.com"
    assert view.properties == {"title": "Pricing"}


def test_script_custom_event_keeps_its_data(app, client, ingest_key):
    _, raw_key = ingest_key
    payload = script_payload(raw_key, name="Newsletter signup", data={"form": "footer"},
                             tag="variant-b")
    assert send(client, {"type": "event", "payload": payload}).status_code == 200
    (event,) = stored_events(app)
    assert event.name == "Newsletter signup"
    assert event.properties == {"title": "Pricing", "tag": "variant-b", "form": "footer"}


def test_identify_links_the_visitor_and_later_events(app, client, ingest_key):
    _, raw_key = ingest_key
    vid = "0b9a4cf1-8a0e-4a53-9a59-7c1bd8d3f1e2"
    send(client, {"type": "event", "payload": script_payload(raw_key)})
    identified = send(client, {"type": "identify", "payload": script_payload(
        raw_key, id="user-42", data={"age": 28, "plan": "pro"})})
    assert (identified.status_code, identified.get_json()) == (200, {})
    assert person_ids(app, "user-42") == {"user-42", vid}
    assert people(app)["user-42"] == {"age": 28, "plan": "pro"}
    # The script sends the id with every later event.
    send(client, {"type": "event", "payload": script_payload(raw_key, id="user-42")})
    before, after = stored_events(app)
    assert (before.anonymous_id, after.anonymous_id) == (vid, "user-42")
    assert before.age_group == after.age_group is not None  # both count for the person


def test_identify_without_any_id_is_answered_but_keeps_no_person(app, client, ingest_key):
    _, raw_key = ingest_key
    send(client, {"type": "event", "payload": {"website": raw_key, "url": f"{SITE}/"}})
    answer = send(client, {"type": "identify",
                           "payload": {"website": raw_key, "data": {"vip": True}}})
    assert (answer.status_code, answer.get_json()) == (200, {})
    assert len(stored_events(app)) == 1
    assert people(app) == {}


def test_a_path_url_is_read_on_its_hostname(app, client, ingest_key):
    _, raw_key = ingest_key
    send(client, {"type": "event", "payload": {"website": raw_key, "hostname": "example.com",
                                               "url": "/docs?utm_source=x", "referrer": "/"}})
    (event,) = stored_events(app)
    assert event.page_url == "https://example.com/docs?utm_source=x"
    assert event.referrer == "https://example.com/"
    assert (event.pathname, event.utm_source, event.referrer_domain) == ("/docs", "x", None)


def test_a_historical_timestamp_dates_the_event(app, client, ingest_key):
    _, raw_key = ingest_key
    moment = int(time.time()) - 3600
    send(client, {"type": "event", "payload": {"website": raw_key, "url": "/",
                                               "timestamp": moment}})
    (event,) = stored_events(app)
    assert int(event.occurred_at.timestamp()) == moment


def test_performance_and_engagement_calls_are_answered_not_kept(app, client, ingest_key):
    _, raw_key = ingest_key
    for kind in ("performance", "engagement"):
        response = send(client, {"type": kind, "payload": {"website": raw_key, "lcp": 1200}})
        assert (response.status_code, response.get_json()) == (200, {})
    assert stored_events(app) == []


def test_bots_are_stored_and_flagged(app, client, ingest_key):
    _, raw_key = ingest_key
    send(client, {"type": "event", "payload": {"website": raw_key, "url": "/"}},
         **{"User-Agent": "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"})
    assert stored_events(app)[0].is_bot is True


def test_the_scripts_preflight_is_admitted_for_ingest_origins(make_app):
    allowed = make_app(INGEST_CORS_ORIGINS=[SITE])
    response = allowed.test_client().options("/api/send", headers={
        "Origin": SITE, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert response.headers["Access-Control-Allow-Origin"] == SITE


def test_the_key_draws_on_the_same_rate_limit_as_api_v1(make_app):
    from app.projects.builtin import self_tracking_project_id
    from app.track.keys import create_key

    limited = make_app(INGEST_RATE_LIMIT="2 per minute")
    with limited.app_context():
        _, raw_key = create_key(self_tracking_project_id(), "limited")
    client = limited.test_client()
    assert client.post("/api/v1/events", json={"name": "a"},
                       headers={"X-Ouroboard-Key": raw_key}).status_code == 202
    call = {"type": "event", "payload": {"website": raw_key, "url": "/"}}
    assert [send(client, call).status_code for _ in range(2)] == [200, 429]
    assert send(client, call).get_json()["error"]


# --- Bad input: 4xx JSON, nothing stored ------------------------------------------------------

@pytest.mark.parametrize("website", ["obk_not-a-key", "a2d5f8e0-1b2c-4d5e-8f9a-0b1c2d3e4f5a",
                                     ""])
def test_an_unknown_website_id_is_401(app, client, website):
    response = send(client, {"type": "event", "payload": {"website": website, "url": "/"}})
    assert response.status_code == 401
    assert response.get_json() == {"error": "Invalid or revoked ingestion key"}
    assert stored_events(app) == []


@pytest.mark.parametrize("call, details", [
    ({"payload": {"website": KEY}}, {"type": ["Missing data for required field."]}),
    ({"type": "pageview", "payload": {"website": KEY}}, {"type": [
        "Must be one of: event, identify, performance, engagement."]}),
    ({"type": "event"}, {"payload": ["Missing data for required field."]}),
    ({"type": "event", "payload": "x"}, {"payload": {"_schema": ["Invalid input type."]}}),
    ({"type": "event", "payload": {"url": "/"}},
     {"payload": {"website": ["Missing data for required field."]}}),
    ({"type": "event", "payload": {"website": 7}},
     {"payload": {"website": ["Not a valid string."]}}),
    ({"type": "event", "payload": {"website": KEY, "url": 5}},
     {"payload": {"url": ["Not a valid string."]}}),
    ({"type": "event", "payload": {"website": KEY, "name": ["a"]}},
     {"payload": {"name": ["Not a valid string."]}}),
    ({"type": "event", "payload": {"website": KEY, "data": "a=1"}},
     {"payload": {"data": ["Not a valid mapping type."]}}),
    ({"type": "event", "payload": {"website": KEY, "timestamp": "yesterday"}},
     {"payload": {"timestamp": ["Not a valid integer."]}}),
])
def test_malformed_calls_are_400_with_the_field(app, client, ingest_key, call, details):
    response = send(client, json.loads(json.dumps(call).replace(KEY, ingest_key[1])))
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["details"] == details
    assert stored_events(app) == []


@pytest.mark.parametrize("payload, field", [
    ({"url": "/", "data": {"blob": "x" * 9000}}, "properties"),
    ({"url": "/", "id": "u" * 65}, "anonymous_id"),
    ({"url": "/", "timestamp": 10**12}, "timestamp"),
    ({"url": "/", "timestamp": 86400}, "timestamp"),
    ({"url": "/" + "a" * 2000}, "page_url"),
])
def test_invalid_events_are_400_with_the_field(app, client, ingest_key, payload, field):
    response = send(client, {"type": "event", "payload": {"website": ingest_key[1], **payload}})
    assert response.status_code == 400, response.get_json()
    assert field in response.get_json()["details"]
    assert stored_events(app) == []


@pytest.mark.parametrize("payload", [{"id": "u1", "data": {"blob": "x" * 9000}},
                                     {"id": "u" * 65, "data": {"a": 1}}])
def test_invalid_identifies_are_400(app, client, ingest_key, payload):
    response = send(client, {"type": "identify", "payload": {"website": ingest_key[1],
                                                             **payload}})
    assert response.status_code == 400
    assert response.get_json()["error"]
    assert people(app) == {}


@pytest.mark.parametrize("raw, content_type", [
    ('{"type": "event", "payload": {', "application/json"),
    ('{"type": "event", "payload": {"website": "obk_x", "url": "/"}}', "text/plain"),
    ("[1, 2]", "application/json"), ("", "application/json")])
def test_malformed_bodies_are_4xx_json(app, client, ingest_key, raw, content_type):
    response = client.post("/api/send", data=raw, content_type=content_type)
    assert response.status_code in (400, 415)
    assert response.get_json()["error"]
    assert stored_events(app) == []


def test_under_the_queue_events_are_stored_by_the_writer(make_app, redis_url):
    import uuid

    import redis

    from app.projects.builtin import self_tracking_project_id
    from app.track.keys import create_key
    from app.track.queue_writer import QueueWriter

    stream = f"test:ingest:{uuid.uuid4().hex}"
    queued = make_app(INGEST_QUEUE="redis", REDIS_URL=redis_url, INGEST_QUEUE_STREAM=stream)
    try:
        with queued.app_context():
            _, raw_key = create_key(self_tracking_project_id(), "queued")
        client = queued.test_client()
        call = {"type": "event", "payload": {"website": raw_key, "url": f"{SITE}/", "name": "x"}}
        assert (send(client, call).status_code, send(client, call).get_json()) == (200, {})
        assert stored_events(queued) == []
        assert QueueWriter(queued, "writer-a").drain() == 2
        assert [event.name for event in stored_events(queued)] == ["x", "x"]
    finally:
        redis.Redis.from_url(redis_url).delete(stream, stream + ":dead")
