"""realtime (seed 003) through its documented requests: POST /events with an ingestion key,
and the dashboard's summary, top pages, series and recent events.
"""

from datetime import UTC, datetime, timedelta

import pytest

from tests.compat.conftest import events_of, make_public

BASE = "/api/compat/realtime/acme"
SEED_EVENT = {"event_type": "PAGE_VIEW", "user_id": "user_101", "session_id": "sess_1",
              "page_url": "/pricing", "metadata": {"device": "mobile", "browser": "Chrome"}}


def send(client, key, body=None, **kwargs):
    return client.post(f"{BASE}/events", json=SEED_EVENT if body is None else body,
                       headers={"X-Ouroboard-Key": key}, **kwargs)


def test_the_seeds_event_is_stored_in_our_columns(app, client, acme_key):
    response = send(client, acme_key)
    assert response.status_code == 202
    assert response.get_json() == {"success": True, "message": "Event stored"}
    [row] = events_of(app, "acme")
    assert (row.name, row.anonymous_id, row.session_id, row.page_url, row.properties) == (
        "page_view", "user_101", "sess_1", "/pricing", {"device": "mobile", "browser": "Chrome"})
    assert row.user_id is None


def test_the_key_may_come_in_the_query(app, client, acme_key):
    body = {**SEED_EVENT, "event_type": "BUTTON_CLICK"}
    response = client.post(f"{BASE}/events?key={acme_key}", json=body)
    assert response.status_code == 202
    assert [row.name for row in events_of(app, "acme")] == ["BUTTON_CLICK"]


def test_an_event_needs_only_its_type(app, client, acme_key):
    assert send(client, acme_key, {"event_type": "SESSION_START"}).status_code == 202
    [row] = events_of(app, "acme")
    assert (row.name, row.anonymous_id, row.properties) == ("SESSION_START", None, None)


@pytest.mark.parametrize("body", [
    {}, {"user_id": "u"}, {"event_type": ""}, {"event_type": 7}, {"event_type": "x" * 101},
    {"event_type": "A", "user_id": "u" * 65}, {"event_type": "A", "metadata": "text"},
    {"event_type": "A", "metadata": [1]}, {"event_type": "A", "metadata": {"k": "v" * 9000}},
    {"event_type": "A", "page_url": 5}, {"event_type": "A", "unknown": 1},
    {"event_type": "A", "timestamp": "yesterday"}, [SEED_EVENT],
])
def test_bad_events_are_400_and_store_nothing(app, client, acme_key, body):
    response = send(client, acme_key, body)
    assert response.status_code == 400
    assert "error" in response.get_json()
    assert events_of(app, "acme") == []


def test_an_old_timestamp_is_refused_as_v1_refuses_it(app, client, acme_key):
    old = (datetime.now(UTC) - timedelta(days=30)).isoformat()
    response = send(client, acme_key, {"event_type": "A", "timestamp": old})
    assert response.status_code == 400
    assert events_of(app, "acme") == []


@pytest.mark.parametrize("key", [None, "", "obk_unknown", "nonsense"])
def test_a_missing_or_unknown_key_is_401(app, client, owner, key):
    headers = {"X-Ouroboard-Key": key} if key is not None else {}
    response = client.post(f"{BASE}/events", json=SEED_EVENT, headers=headers)
    assert response.status_code == 401
    assert "error" in response.get_json()
    assert events_of(app, "acme") == []


def test_a_key_of_another_project_is_404(app, client, acme_key, ingest_key):
    response = send(client, ingest_key)  # the self-tracking project's key, sent to acme
    assert response.status_code == 404
    response = client.post("/api/compat/realtime/ouroboard/events", json=SEED_EVENT,
                           headers={"X-Ouroboard-Key": acme_key})
    assert response.status_code == 404
    response = client.post("/api/compat/realtime/nowhere/events", json=SEED_EVENT,
                           headers={"X-Ouroboard-Key": acme_key})
    assert response.status_code == 404
    assert events_of(app, "acme") == [] and events_of(app, "ouroboard") == []


def test_not_json_is_415(client, acme_key):
    response = client.post(f"{BASE}/events", data="event_type=A", headers={
        "X-Ouroboard-Key": acme_key, "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415



def test_the_ingest_limit_is_the_keys_v1_budget(make_app):
    from tests.compat.conftest import register

    app = make_app(INGEST_RATE_LIMIT="2 per minute")
    client = app.test_client()
    person = register(client, "owner")
    assert client.post("/api/v1/projects", json={"name": "Acme", "slug": "acme"},
                       headers=person.headers).status_code == 201
    key = client.post("/api/v1/projects/acme/keys", json={"name": "site"},
                      headers=person.headers).get_json()["key"]
    assert client.post("/api/v1/events", json={"name": "a"},
                       headers={"X-Ouroboard-Key": key}).status_code == 202
    assert client.post(f"{BASE}/events?key={key}", json=SEED_EVENT).status_code == 202
    assert send(client, key).status_code == 429


def seed_dashboard(client, key):
    for user, page in [("u1", "/pricing"), ("u2", "/pricing"), ("u1", "/docs")]:
        assert send(client, key, {**SEED_EVENT, "user_id": user, "page_url": page}) \
            .status_code == 202
    assert send(client, key, {"event_type": "PURCHASE", "user_id": "u2",
                              "metadata": {"amount": 20}}).status_code == 202


def test_the_dashboards_reads(client, owner, acme_key):
    seed_dashboard(client, acme_key)
    response = client.get(f"{BASE}/analytics/summary", headers=owner.headers)
    assert response.status_code == 200
    assert response.get_json() == {"total_events": 4, "unique_users": 2, "cached": False,
                                   "events_by_type": {"PAGE_VIEW": 3, "PURCHASE": 1}}
    assert client.get(f"{BASE}/analytics/summary", headers=owner.headers).get_json()["cached"]
    response = client.get(f"{BASE}/analytics/summary?range=7d", headers=owner.headers)
    assert response.get_json()["total_events"] == 4

    response = client.get(f"{BASE}/analytics/top-pages", headers=owner.headers)
    assert response.status_code == 200
    assert response.get_json()["pages"] == [
        {"page_url": "/pricing", "views": 2, "unique_users": 2},
        {"page_url": "/docs", "views": 1, "unique_users": 1}]

    response = client.get(f"{BASE}/analytics/timeseries?range=24h", headers=owner.headers)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["range"], body["interval"], len(body["data"])) == ("24h", "hour", 24)
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    assert body["data"][-1] == {"timestamp": hour.isoformat(), "count": 4}
    for range_name, days in [("7d", 7), ("30d", 30)]:
        body = client.get(f"{BASE}/analytics/timeseries?range={range_name}",
                          headers=owner.headers).get_json()
        assert (body["interval"], len(body["data"])) == ("day", days)
        assert body["data"][-1] == {"timestamp": hour.date().isoformat(), "count": 4}
    assert client.get(f"{BASE}/analytics/timeseries", headers=owner.headers).get_json()[
        "range"] == "24h"

    response = client.get(f"{BASE}/analytics/recent?limit=2", headers=owner.headers)
    assert response.status_code == 200
    events = response.get_json()["events"]
    assert [(e["event_type"], e["user_id"], e["page_url"], e["metadata"]) for e in events] == [
        ("PURCHASE", "u2", None, {"amount": 20}),
        ("PAGE_VIEW", "u1", "/docs", {"device": "mobile", "browser": "Chrome"})]
    assert set(events[0]) == {"id", "event_type", "user_id", "page_url", "metadata",
                              "created_at"}


@pytest.mark.parametrize("path", ["/analytics/summary?range=1y", "/analytics/timeseries?range=",
                                  "/analytics/timeseries?range=24H", "/analytics/top-pages?limit=0",
                                  "/analytics/recent?limit=x", "/analytics/recent?project=x",
                                  "/analytics/top-pages?range=7d&limit=101"])
def test_bad_arguments_are_400(client, owner, path):
    response = client.get(BASE + path, headers=owner.headers)
    assert response.status_code == 400
    assert "error" in response.get_json()


def test_reads_need_a_member_or_public_sharing(client, owner, outsider, acme_key):
    seed_dashboard(client, acme_key)
    paths = ["/analytics/summary", "/analytics/top-pages", "/analytics/timeseries?range=7d",
             "/analytics/recent"]
    for path in paths:
        assert client.get(BASE + path).status_code == 401
        assert client.get(BASE + path, headers=outsider.headers).status_code == 404
        assert client.get(BASE + path, headers={"X-Ouroboard-Key": acme_key}).status_code \
            == 401
    make_public(client, owner)
    for path in paths:
        assert client.get(BASE + path).status_code == 200
    # Anonymous readers see what a share link shows: nothing about the person.
    events = client.get(f"{BASE}/analytics/recent").get_json()["events"]
    assert {(e["user_id"], str(e["metadata"])) for e in events} == {(None, "None")}


def test_an_api_token_reads_its_projects(client, owner, acme_key):
    seed_dashboard(client, acme_key)
    response = client.post("/api/v1/tokens", json={"name": "script", "projects": ["acme"]},
                           headers=owner.headers)
    assert response.status_code == 201, response.get_json()
    token = response.get_json()["token"]
    response = client.get(f"{BASE}/analytics/summary",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["total_events"] == 4
    response = client.get("/api/compat/realtime/ouroboard/analytics/summary",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404


def test_the_architectures_api_events_path_answers_too(app, client, acme_key):
    response = client.post(f"{BASE}/api/events", json=SEED_EVENT,
                           headers={"X-Ouroboard-Key": acme_key})
    assert response.status_code == 202
    assert [row.name for row in events_of(app, "acme")] == ["page_view"]
