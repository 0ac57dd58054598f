"""app/track/keys.py and its CLI (app/track/cli.py): ingestion keys created, listed, revoked,
stored hashed, and forgotten within the verification cache window."""

import pytest
from sqlalchemy import text

from app.extensions import db
from app.models import IngestKey
from tests.helpers import Clock, event, post_events


@pytest.mark.parametrize("bad_key", ["obk_not-a-real-key", "wrong-format", ""])
def test_unknown_key_is_401(client, stored, bad_key):
    response = post_events(client, {"key": bad_key, "events": [event("a")]})
    assert response.status_code == 401
    assert response.get_json() == {"error": "Invalid or revoked ingestion key"}
    assert stored.count() == 0


def test_key_lifecycle_through_the_cli(app, client, stored):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["keys", "create", "marketing-site"])
    assert created.exit_code == 0, created.output
    raw_key = created.output.strip().splitlines()[-1]
    assert raw_key.startswith("obk_")
    with app.app_context():
        key = db.session.execute(db.select(IngestKey)).scalar_one()
        assert raw_key not in (key.key_hash, key.key_prefix)  # stored hashed
    assert post_events(client, event("a"), {"X-Ouroboard-Key": raw_key}).status_code == 202

    listed = runner.invoke(args=["keys", "list"])
    assert "marketing-site" in listed.output and "active" in listed.output
    assert raw_key not in listed.output

    duplicate = runner.invoke(args=["keys", "create", "marketing-site"])
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output

    revoked = runner.invoke(args=["keys", "revoke", "marketing-site"])
    assert revoked.exit_code == 0
    assert post_events(client, event("b"), {"X-Ouroboard-Key": raw_key}).status_code == 401
    assert stored.count() == 1
    assert runner.invoke(args=["keys", "revoke", "nope"]).exit_code != 0


def test_key_revoked_by_another_process_stops_working_within_the_cache_window(
        app, client, ingest_key, stored, monkeypatch):
    from app.track import keys

    clock = Clock()
    with app.app_context():
        monkeypatch.setattr(keys.verified_keys(), "clock", clock)
    assert post_events(client, event("a"), {"X-Ouroboard-Key": ingest_key}).status_code == 202
    # The CLI in another process revokes it: this worker's memory does not know yet.
    with app.app_context():
        db.session.execute(text("UPDATE ingest_keys SET revoked_at = CURRENT_TIMESTAMP"))
        db.session.commit()
    assert post_events(client, event("b"), {"X-Ouroboard-Key": ingest_key}).status_code == 202
    clock.now += keys.KEY_CACHE_SECONDS + 0.1
    response = post_events(client, event("c"), {"X-Ouroboard-Key": ingest_key})
    assert response.status_code == 401
    assert sorted(row.name for row in stored.all()) == ["a", "b"]
