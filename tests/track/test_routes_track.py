"""POST /api/v1/track: the original challenge's contract's single feature click."""

import uuid
from datetime import UTC, datetime

import pytest


def test_track_stores_click_for_logged_in_user(client, auth, user, stored):
    before = datetime.now(UTC)
    response = client.post("/api/v1/track", json={"feature_name": "date_filter"},
                           headers=auth.headers)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"id", "uuid", "feature_name", "timestamp"}
    assert body["feature_name"] == "date_filter"
    (event,) = stored.all()
    assert event.id == body["id"] and event.uuid == body["uuid"]
    assert event.name == "date_filter"
    assert event.user_id == user["id"]
    assert (event.age_group, event.gender) == (">40", "Male")
    assert before <= event.occurred_at <= datetime.now(UTC)
    assert datetime.fromisoformat(body["timestamp"]) == event.occurred_at


def test_track_keeps_properties(client, auth, user, stored):
    response = client.post("/api/v1/track", headers=auth.headers, json={
        "feature_name": "bar_chart_click", "properties": {"feature": "date_filter", "n": 3}})
    assert response.status_code == 201
    assert stored.all()[0].properties == {"feature": "date_filter", "n": 3}


def test_track_with_repeated_uuid_stores_once(client, auth, user, stored):
    click = {"feature_name": "refresh", "uuid": str(uuid.uuid4())}
    first = client.post("/api/v1/track", json=click, headers=auth.headers)
    again = client.post("/api/v1/track", json=click, headers=auth.headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert stored.count() == 1


def test_track_never_shows_another_users_event_for_its_uuid(client, auth, user, stored):
    secret = {"feature_name": "alice_secret_feature", "uuid": str(uuid.uuid4())}
    assert client.post("/api/v1/track", json=secret, headers=auth.headers).status_code == 201
    assert auth.register(username="bob", age=25, gender="Other").status_code == 201
    response = client.post("/api/v1/track", headers=auth.headers,
                           json={"feature_name": "bob_feature", "uuid": secret["uuid"]})
    assert response.status_code == 409
    assert response.get_json() == {"error": "This uuid belongs to another event; send a new uuid"}
    (event,) = stored.all()
    assert (event.name, event.user_id) == ("alice_secret_feature", user["id"])


def test_track_requires_login(client, stored):
    response = client.post("/api/v1/track", json={"feature_name": "date_filter"})
    assert response.status_code == 401
    assert stored.count() == 0


def test_track_with_cookie_needs_csrf(client, auth, user, stored):
    refused = client.post("/api/v1/track", json={"feature_name": "date_filter"})
    assert refused.status_code == 401
    assert "CSRF" in refused.get_json()["error"]
    accepted = client.post("/api/v1/track", json={"feature_name": "date_filter"},
                           headers=auth.csrf_headers())
    assert accepted.status_code == 201
    assert stored.count() == 1


@pytest.mark.parametrize(("payload", "field"), [
    ({}, "feature_name"),
    ({"feature_name": ""}, "feature_name"),
    ({"feature_name": "x" * 101}, "feature_name"),
    ({"feature_name": " padded"}, "feature_name"),
    ({"feature_name": "semi;colon"}, "feature_name"),
    ({"feature_name": 7}, "feature_name"),
    ({"feature_name": "ok", "properties": "not an object"}, "properties"),
    ({"feature_name": "ok", "properties": {"a": {"b": {"c": {"d": 1}}}}}, "properties"),
    ({"feature_name": "ok", "properties": {"k" * 65: 1}}, "properties"),
    ({"feature_name": "ok", "properties": {"blob": "x" * 9000}}, "properties"),
    ({"feature_name": "ok", "uuid": "not-a-uuid"}, "uuid"),
    ({"feature_name": "ok", "extra": True}, "extra"),
])
def test_track_rejects_bad_input(client, auth, user, stored, payload, field):
    response = client.post("/api/v1/track", json=payload, headers=auth.headers)
    assert response.status_code == 400
    assert field in response.get_json()["details"]
    assert stored.count() == 0


def test_track_accepts_a_100_character_name_and_inner_spaces(client, auth, user, stored):
    for name in ("x" * 100, "Export CSV", "page:/dashboard", "a"):
        response = client.post("/api/v1/track", json={"feature_name": name},
                               headers=auth.headers)
        assert response.status_code == 201, name
    assert stored.count() == 4
