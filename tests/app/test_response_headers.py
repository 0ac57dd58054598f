"""app/response_headers.py: API JSON answers, errors included, are never stored by a browser
or a proxy; static assets and the dashboard keep their own caching."""

import pytest

SUMMARY = "/api/v1/analytics/summary?startDate=2026-01-01&endDate=2026-01-31"


def test_api_json_answers_are_not_stored(client, auth, user):
    answers = [
        client.get(SUMMARY, headers=auth.headers),
        client.post("/api/v1/events", json={"name": "a"}, headers=auth.headers),
        client.get("/api/v1/openapi.json"),
    ]
    assert [answer.status_code for answer in answers] == [200, 202, 200]
    assert [answer.headers.get("Cache-Control") for answer in answers] == ["no-store"] * 3


@pytest.mark.parametrize(("method", "path", "status"), [
    ("get", SUMMARY, 401),
    ("get", "/api/v1/no-such-endpoint", 404),
    ("post", "/api/v1/login", 400),
])
def test_api_errors_are_not_stored(client, method, path, status):
    response = getattr(client, method)(path, json=None)
    assert response.status_code == status
    assert response.get_json()["error"]
    assert response.headers["Cache-Control"] == "no-store"


def test_export_stays_private(client, auth, user):
    response = client.get("/api/v1/analytics/export.csv?startDate=2026-01-01&endDate=2026-01-31",
                          headers=auth.headers)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_static_assets_and_pages_keep_their_caching(spa_client):
    asset = spa_client.get("/assets/index-abc123.js")
    assert "immutable" in asset.headers["Cache-Control"]
    assert spa_client.get("/dashboard").headers["Cache-Control"] == "no-cache"
    assert "Cache-Control" not in spa_client.get("/health").headers
