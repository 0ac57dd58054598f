"""analytics-module (seed 004) through its documented requests: the summary of a range and
the health check.
"""

from datetime import UTC, datetime, timedelta

import pytest

from tests.compat.conftest import make_public

BASE = "/api/compat/analytics-module/acme"


def send(client, key, name, person):
    response = client.post("/api/v1/events", json={"name": name, "anonymous_id": person},
                           headers={"X-Ouroboard-Key": key})
    assert response.status_code == 202


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_the_summary_in_the_seeds_shape(client, owner, acme_key):
    for name, person in [("page_view", "a"), ("page_view", "b"), ("click", "a"),
                         ("purchase", "c")]:
        send(client, acme_key, name, person)
    now = datetime.now(UTC)
    query = {"from": iso(now - timedelta(days=1)), "to": iso(now + timedelta(minutes=1))}
    response = client.get(f"{BASE}/analytics/summary", query_string=query, headers=owner.headers)
    assert response.status_code == 200
    assert response.get_json() == {"data": {
        "totalEvents": 4, "uniqueUsers": 3,
        "eventsByType": {"page_view": 2, "click": 1, "purchase": 1}}, "cached": False}
    again = client.get(f"{BASE}/analytics/summary", query_string=query, headers=owner.headers)
    assert again.get_json()["cached"] is True
    send(client, acme_key, "click", "d")  # every ingest invalidates the cache
    fresh = client.get(f"{BASE}/analytics/summary", query_string=query, headers=owner.headers)
    assert fresh.get_json()["cached"] is False
    assert fresh.get_json()["data"]["totalEvents"] == 5
    # A range before the events counts none of them.
    query = {"from": "2024-01-01T00:00:00.000Z", "to": "2024-01-31T23:59:59.999Z"}
    response = client.get(f"{BASE}/analytics/summary", query_string=query, headers=owner.headers)
    assert response.get_json()["data"] == {"totalEvents": 0, "uniqueUsers": 0,
                                           "eventsByType": {}}


@pytest.mark.parametrize("query", [
    {}, {"from": "2024-01-01T00:00:00Z"}, {"to": "2024-01-01T00:00:00Z"},
    {"from": "yesterday", "to": "2024-01-02T00:00:00Z"},
    {"from": "2024-01-02T00:00:00Z", "to": "2024-01-01T00:00:00Z"},
    {"from": "1990-01-01T00:00:00Z", "to": "2024-01-01T00:00:00Z"},
    {"from": "2010-01-01T00:00:00Z", "to": "2024-01-01T00:00:00Z"},
    {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z", "extra": "1"},
])
def test_missing_or_invalid_parameters_are_400(client, owner, query):
    response = client.get(f"{BASE}/analytics/summary", query_string=query,
                          headers=owner.headers)
    assert response.status_code == 400
    assert "error" in response.get_json()


def test_reads_need_a_member_or_public_sharing(client, owner, outsider):
    query = {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"}
    url = f"{BASE}/analytics/summary"
    assert client.get(url, query_string=query).status_code == 401
    assert client.get(url, query_string=query, headers=outsider.headers).status_code == 404
    assert client.get("/api/compat/analytics-module/nowhere/analytics/summary",
                      query_string=query).status_code == 404
    make_public(client, owner)
    assert client.get(url, query_string=query).status_code == 200


def test_health(client):
    response = client.get(f"{BASE}/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_the_reference_path_under_api_answers_too(client, owner):
    make_public(client, owner)
    query = {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"}
    response = client.get(f"{BASE}/api/analytics/summary", query_string=query)
    assert response.status_code == 200
    assert response.get_json()["data"]["totalEvents"] == 0
