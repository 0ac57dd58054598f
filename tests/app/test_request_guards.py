"""app/request_guards.py: security headers on every response, and request bodies refused
before any view runs (size, content type, malformed JSON, text no database can store)."""

import json

import pytest

from tests.helpers import event, post_events


def test_security_headers_on_api_and_pages(spa_client):
    for path in ("/api/v1/me", "/"):
        headers = spa_client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "Strict-Transport-Security" not in headers


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
