"""The dialects' writes under INGEST_QUEUE=redis: acknowledged once queued, stored by a
writer in the slug's project, with the person and properties they carry.
"""

import uuid

import pytest
import redis

from app.track.queue_writer import QueueWriter
from tests.compat.conftest import events_of, register


@pytest.fixture
def queued_app(make_app, redis_url):
    stream = f"test:compat:{uuid.uuid4().hex}"
    yield make_app(INGEST_QUEUE="redis", REDIS_URL=redis_url, INGEST_QUEUE_STREAM=stream)
    redis.Redis.from_url(redis_url).delete(stream, stream + ":dead")


def test_queued_clicks_and_events_land_in_the_slugs_project(queued_app):
    client = queued_app.test_client()
    owner = register(client, "owner")
    assert client.post("/api/v1/projects", json={"name": "Acme", "slug": "acme"},
                       headers=owner.headers).status_code == 201
    key = client.post("/api/v1/projects/acme/keys", json={"name": "site"},
                      headers=owner.headers).get_json()["key"]
    response = client.post("/api/compat/insightloop/acme/track",
                           json={"featureName": "date_filter"}, headers=owner.headers)
    assert (response.status_code, response.get_json()) == (202, {"message": "Interaction queued"})
    response = client.post(f"/api/compat/realtime/acme/events?key={key}", json={
        "event_type": "PURCHASE", "user_id": "user_101", "metadata": {"amount": 3}})
    assert (response.status_code, response.get_json()) == (
        202, {"success": True, "message": "Event queued"})
    assert events_of(queued_app, "acme") == []
    assert QueueWriter(queued_app, "writer").drain() == 2
    rows = events_of(queued_app, "acme")
    assert sorted((row.name, row.anonymous_id, row.gender) for row in rows) == [
        ("PURCHASE", "user_101", None), ("date_filter", None, "Female")]
    assert events_of(queued_app, "ouroboard") == []
