"""app/track/sender.py: who may send events (a user with CSRF for cookies, or an ingestion
key), what each is attributed, the rate-limit bucket each draws on."""

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from app.extensions import db
from app.projects.builtin import self_tracking_project_id
from tests.helpers import Clock, event, iso, post_events


def test_no_credentials_is_401(client, stored):
    response = post_events(client, event("a"))
    assert response.status_code == 401
    assert stored.count() == 0


def test_cookie_session_needs_csrf_header(client, auth, user, stored):
    refused = post_events(client, event("a"))
    assert refused.status_code == 401
    assert "CSRF" in refused.get_json()["error"]
    accepted = post_events(client, event("a"), auth.csrf_headers())
    assert accepted.status_code == 202
    assert stored.count() == 1


def test_key_in_header_stores_anonymous_events(client, ingest_key, stored):
    response = post_events(client, {"events": [event("page_view", anonymous_id="anon-1",
                                                     page_url="https://site.example/")]},
                           {"X-Ouroboard-Key": ingest_key})
    assert response.status_code == 202
    (row,) = stored.all()
    assert (row.user_id, row.anonymous_id, row.age_group, row.gender) == (None, "anon-1",
                                                                          None, None)


def test_key_in_text_plain_body_works_like_a_beacon(client, ingest_key, stored):
    body = json.dumps({"key": ingest_key, "sent_at": iso(datetime.now(UTC)),
                       "events": [event("page_view", anonymous_id="anon-2")]})
    response = client.post("/api/v1/events", data=body, content_type="text/plain")
    assert response.status_code == 202
    assert stored.all()[0].anonymous_id == "anon-2"


def test_key_request_needs_no_csrf_even_with_session_cookie(client, auth, user, ingest_key,
                                                            stored):
    response = post_events(client, event("a"), {"X-Ouroboard-Key": ingest_key})
    assert response.status_code == 202
    assert stored.all()[0].user_id is None  # a key never attributes events to a user


def test_rate_limit_per_key_is_429_with_retry_after(make_app, stored):
    from app.extensions import limiter
    from app.track.keys import create_key

    app = make_app(INGEST_RATE_LIMIT="3 per minute")
    with app.app_context():
        limiter.reset()
        _, first_key = create_key(self_tracking_project_id(), "first")
        _, second_key = create_key(self_tracking_project_id(), "second")
    client = app.test_client()
    statuses = [post_events(client, event("a"), {"X-Ouroboard-Key": first_key}).status_code
                for _ in range(4)]
    assert statuses == [202, 202, 202, 429]
    limited = post_events(client, event("a"), {"X-Ouroboard-Key": first_key})
    assert int(limited.headers["Retry-After"]) > 0
    assert post_events(client, event("a"), {"X-Ouroboard-Key": second_key}).status_code == 202


def test_rate_limit_per_user(make_app):
    from app.extensions import limiter

    app = make_app(INGEST_RATE_LIMIT="2 per minute")
    with app.app_context():
        limiter.reset()
    client = app.test_client()
    token = client.post("/api/v1/register", json={
        "username": "busy", "password": "tangerine ostrich 47", "age": 20, "gender": "Other",
    }).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    statuses = [post_events(client, event("a"), headers).status_code for _ in range(3)]
    assert statuses == [202, 202, 429]
    track = client.post("/api/v1/track", json={"feature_name": "a"}, headers=headers)
    assert track.status_code == 429  # /track shares the user's budget


@pytest.mark.parametrize("storage", ["memory", "redis"])
def test_rate_limit_counts_events_not_requests(make_app, request, storage):
    """A batch costs one per event, charged before anything is stored: a batch that does
    not fit what is left of the budget is refused whole, with Retry-After."""
    from app.extensions import limiter
    from app.track.keys import create_key
    from tests.conftest import StoredEvents

    overrides = {"INGEST_RATE_LIMIT": "10 per minute"}
    if storage == "redis":
        overrides["RATELIMIT_STORAGE_URI"] = request.getfixturevalue("redis_url")
    app = make_app(**overrides)
    stored = StoredEvents(app)
    with app.app_context():
        limiter.reset()
        _, raw_key = create_key(self_tracking_project_id(), "batcher")
    client = app.test_client()
    headers = {"X-Ouroboard-Key": raw_key}
    first = post_events(client, {"events": [event("a") for _ in range(6)]}, headers)
    assert first.status_code == 202 and first.get_json()["accepted"] == 6
    assert first.headers["X-RateLimit-Remaining"] == "4"
    refused = post_events(client, {"events": [event("b") for _ in range(5)]}, headers)
    assert refused.status_code == 429
    assert refused.get_json()["error"]
    assert int(refused.headers["Retry-After"]) > 0
    assert [row.name for row in stored.all()] == ["a"] * 6


def test_a_batch_bigger_than_the_whole_limit_is_refused_unstored(make_app):
    from app.extensions import limiter
    from app.track.keys import create_key
    from tests.conftest import StoredEvents

    app = make_app(INGEST_RATE_LIMIT="3 per minute")
    with app.app_context():
        limiter.reset()
        _, raw_key = create_key(self_tracking_project_id(), "too-big")
    response = post_events(app.test_client(), {"events": [event("a") for _ in range(4)]},
                           {"X-Ouroboard-Key": raw_key})
    assert response.status_code == 429
    assert StoredEvents(app).count() == 0


def test_user_fields_are_read_again_after_the_cache_window(app, client, auth, user, stored,
                                                          monkeypatch):
    from app.auth import sessions

    clock = Clock()
    with app.app_context():
        monkeypatch.setattr(sessions.session_users(), "clock", clock)
    assert post_events(client, event("a"), auth.headers).status_code == 202
    with app.app_context():
        db.session.execute(text("UPDATE users SET age = 16, gender = 'Other'"))
        db.session.commit()
    clock.now += sessions.USER_CACHE_SECONDS + 0.1
    assert post_events(client, event("b"), auth.headers).status_code == 202
    groups = {row.name: (row.age_group, row.gender) for row in stored.all()}
    assert groups == {"a": (">40", "Male"), "b": ("<18", "Other")}


def test_token_of_a_user_who_no_longer_exists_is_401(app, client, auth, user, stored):
    with app.app_context():
        db.session.execute(text("DELETE FROM users"))
        db.session.commit()
    assert post_events(client, event("a"), auth.headers).status_code == 401
    assert stored.count() == 0
