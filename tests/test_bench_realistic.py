"""The benchmark's realistic bodies (bench/realistic.py, issue #21) are what the API
accepts, and as varied as the issue asks: the throughput figures mean nothing if some
events were rejected, or if every event looked alike."""

import json
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
realistic = pytest.importorskip("realistic")


def decoded(body_factory) -> dict:
    body_factory.bind()
    return json.loads(body_factory())


def test_event_batches_are_valid_varied_and_carry_rotating_keys(app):
    from app.track.schemas import EventBatchSchema, EventSchema

    requests = realistic.event_requests(100, 12)
    keys = [{"X-Ouroboard-Key": f"key-{number}"} for number in range(3)]
    body = realistic.RealisticBody(requests, keys)
    body.bind()
    seen_keys, uuids, names, properties, sessions = set(), set(), set(), 0, set()
    for _ in range(len(requests)):
        batch = json.loads(body())
        headers = body.headers()
        seen_keys.add(headers["X-Ouroboard-Key"])
        assert headers["User-Agent"].startswith("Mozilla/5.0")
        EventBatchSchema().load(batch)
        assert len(batch["events"]) == 100
        for event in batch["events"]:
            EventSchema().load(event)  # raises on anything the API would reject
            assert uuid.UUID(event["uuid"]).version == 4
            uuids.add(event["uuid"])
            names.add(event["name"])
            properties += "properties" in event
            sessions.add(event["session_id"])
    assert len(uuids) == 100 * len(requests)
    assert len(seen_keys) == 3
    assert len(realistic.names_in(realistic.event_requests(100, 400))) >= 20
    assert properties > 0.5 * len(uuids) and len(sessions) > 50
    assert len(names) >= 10


def test_clicks_are_valid_and_varied(app):
    from app.track.schemas import TrackSchema

    requests = realistic.click_requests(500)
    assert len(realistic.names_in(requests)) >= 20
    body = realistic.RealisticBody(requests, [{"Authorization": "Bearer t"}])
    click = decoded(body)
    loaded = TrackSchema().load(click)
    assert loaded["uuid"].version == 4 and loaded["session_id"] and loaded["page_url"]
    assert body.headers()["Authorization"] == "Bearer t"


def test_synthetic_bodies_keep_the_old_shape():
    body = realistic.synthetic_events("bench_x", [{"X-Ouroboard-Key": "k"}])
    batch = decoded(body)
    assert {event["name"] for event in batch["events"]} == {"bench_x"}
    assert not any("properties" in event for event in batch["events"])
    assert body.headers() == {"X-Ouroboard-Key": "k"}
