"""A deleted project's events and rollup rows are purged after the DELETE has answered, in
batches, by a background thread; `flask projects purge` finishes a purge a stopped worker
left; other projects' rows never go."""

import time

import pytest

from app.projects import data, purge
from tests.projects.conftest import Person
from tests.projects.test_credentials import send_events
from tests.projects.test_data import project_id, rows_per_table

PURGED_TABLES = ("events", "rollup_daily", "rollup_hourly", "rollup_daily_people", "people",
                 "person_distinct_ids")


@pytest.fixture
def background_app(make_app, monkeypatch):
    """An app that purges in the background, three rows per batch (many batches)."""
    monkeypatch.setattr(purge, "PURGE_BATCH_ROWS", 3)
    return make_app(PURGE_DELETED_PROJECTS_INLINE=False)


def stored_rows(app, project: int) -> dict[str, int]:
    counts = rows_per_table(app, project)
    return {name: counts[name] for name in PURGED_TABLES}


def identify(app, key: str, distinct_id: str) -> None:
    """A person with an alias in the key's project."""
    response = app.test_client().post("/api/v1/identify", headers={"X-Ouroboard-Key": key},
                                      json={"distinct_id": distinct_id, "anonymous_id": "anon",
                                            "traits": {"plan": "pro"}})
    assert response.status_code == 200, response.get_json()


def test_a_deleted_projects_rows_are_purged_in_the_background(background_app, monkeypatch):
    monkeypatch.setattr(purge, "KEY_CACHE_SECONDS", 0.0)
    Person(background_app, "root")
    owner = Person(background_app, "olivia")
    assert owner.post("/projects", json={"name": "Acme", "slug": "acme"}).status_code == 201
    assert owner.post("/projects", json={"name": "Keep", "slug": "keep"}).status_code == 201
    acme_names = tuple(f"acme_{n}" for n in range(8))
    for slug, names in (("acme", acme_names), ("keep", ("k_one",))):
        key = owner.post(f"/projects/{slug}/keys", json={"name": "site"}).get_json()["key"]
        send_events(background_app, key, *names)
        identify(background_app, key, "someone")
    acme, keep = project_id(background_app, "acme"), project_id(background_app, "keep")
    # More rows than a batch holds, in the events table and the per-feature rollups.
    before = stored_rows(background_app, acme)
    assert min(before["events"], before["rollup_daily"]) > purge.PURGE_BATCH_ROWS
    assert before["rollup_daily_people"] > 0
    kept = stored_rows(background_app, keep)

    assert owner.delete("/projects/acme").status_code == 204

    deadline = time.monotonic() + 20
    while any(stored_rows(background_app, acme).values()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert stored_rows(background_app, acme) == dict.fromkeys(PURGED_TABLES, 0)
    assert stored_rows(background_app, keep) == kept


def test_flask_projects_purge_finishes_what_a_stopped_worker_left(app, team):
    key = team.owner.post("/projects/acme/keys", json={"name": "site"}).get_json()["key"]
    send_events(app, key, "acme_signup", "acme_view")
    identify(app, key, "someone")
    acme, other = project_id(app, "acme"), project_id(app, "other")
    other_before = stored_rows(app, other)
    with app.app_context():
        # A worker stopped before purging: the project is a tombstone, its rows still there.
        data.delete_project(acme, tombstone_slug=f"{purge.DELETED_SLUG_PREFIX}{acme}")
    assert stored_rows(app, acme)["events"] > 0
    result = app.test_cli_runner().invoke(args=["projects", "purge"])
    assert result.exit_code == 0, result.output
    assert "Purged" in result.output
    assert stored_rows(app, acme) == dict.fromkeys(PURGED_TABLES, 0)
    assert stored_rows(app, other) == other_before
    again = app.test_cli_runner().invoke(args=["projects", "purge"])
    assert "Purged 0 rows" in again.output
