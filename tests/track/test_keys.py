"""app/track/keys.py and its CLI (app/track/cli.py): ingestion keys created, listed, revoked,
stored hashed, and forgotten within the verification cache window."""

from datetime import UTC, datetime, timedelta

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


def test_import_keys_through_the_cli(app, client, stored):
    """`--import` makes a key that may backdate events; `list` tells the two kinds apart."""
    runner = app.test_cli_runner()
    created = runner.invoke(args=["keys", "create", "--import", "history"])
    assert created.exit_code == 0, created.output
    assert "import key" in created.output
    import_key = created.output.strip().splitlines()[-1]
    live_key = runner.invoke(args=["keys", "create", "site"]).output.strip().splitlines()[-1]
    with app.app_context():
        kinds = dict(db.session.execute(db.select(IngestKey.name, IngestKey.allows_import)).all())
    assert kinds == {"history": True, "site": False}
    listed = {line.split("\t")[0]: line.split("\t")[3]
              for line in runner.invoke(args=["keys", "list"]).output.splitlines()}
    assert listed == {"history": "import", "site": "live"}

    long_ago = (datetime.now(UTC) - timedelta(days=60)).isoformat()
    batch = {"events": [event("old", timestamp=long_ago)]}
    imported = post_events(client, batch, {"X-Ouroboard-Key": import_key}).get_json()
    refused = post_events(client, batch, {"X-Ouroboard-Key": live_key}).get_json()
    assert (imported["accepted"], imported["rejected"]) == (1, [])
    assert refused["accepted"] == 0 and "--import" in refused["rejected"][0]["error"]
    assert [row.name for row in stored.all()] == ["old"]
