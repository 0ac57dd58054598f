"""Group commit: concurrent ingest requests share transactions and lose nothing."""

import json
import threading
import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import DailyRollup, Event
from app.track.ingest import insert_with_rollups
from app.track.writer import EXTENSION_KEY, GroupWriter, PendingWrite


def register(client, username: str) -> dict:
    response = client.post("/api/v1/register", json={
        "username": username, "password": "long enough", "age": 30, "gender": "Other"})
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def stored_counts(app) -> tuple[int, int, int]:
    with app.app_context():
        events = db.session.execute(select(func.count()).select_from(Event)).scalar()
        distinct = db.session.execute(select(func.count(func.distinct(Event.uuid)))).scalar()
        rolled_up = db.session.execute(select(func.sum(DailyRollup.events))).scalar() or 0
        return events, distinct, rolled_up


def test_concurrent_requests_are_all_stored_once_and_counted(app):
    headers = register(app.test_client(), "grouped")
    shared_uuid = str(uuid.uuid4())  # sent by every thread: exactly one may be stored
    results, errors = [], []

    def sender(thread_number: int):
        client = app.test_client()
        for batch_number in range(10):
            events = [{"name": "group_click", "uuid": str(uuid.uuid4())} for _ in range(20)]
            if batch_number == 0:
                events.append({"name": "group_click", "uuid": shared_uuid})
            response = client.post("/api/v1/events", json={"events": events},
                                   headers=headers)
            if response.status_code != 202:
                errors.append((thread_number, response.status_code, response.get_json()))
            else:
                results.append(response.get_json())

    threads = [threading.Thread(target=sender, args=(number,)) for number in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    accepted = sum(result["accepted"] for result in results)
    duplicates = sum(result["duplicates"] for result in results)
    assert accepted == 6 * 10 * 20 + 1
    assert duplicates == 5
    assert stored_counts(app) == (accepted, accepted, accepted)
    assert EXTENSION_KEY in app.extensions  # the writer thread did the storing


def test_one_failing_request_does_not_fail_the_others_in_its_group(app):
    """The group's transaction fails, so each request is retried alone: the good one is
    stored, the bad one gets its error, and nothing of the bad one remains."""

    def store_or_fail(rows):
        inserted = insert_with_rollups(rows)  # written, then refused: must be rolled back
        if any(row["name"] == "refused" for row in rows):
            raise ValueError("refused on purpose")
        return inserted

    def row(name: str) -> dict:
        now = datetime.now(UTC)
        return {"uuid": str(uuid.uuid4()), "name": name, "user_id": None,
                "anonymous_id": "visitor", "session_id": None, "page_url": None,
                "referrer": None, "properties": None, "occurred_at": now, "received_at": now,
                "age_group": None, "gender": None}

    announced = []
    writer = GroupWriter(app, store_or_fail, announced.extend)
    good, bad = PendingWrite([row("kept"), row("kept")]), PendingWrite([row("refused")])
    with app.app_context():
        writer.write([good, bad])
        db.session.remove()

    assert good.done.is_set() and bad.done.is_set()
    assert [stored["name"] for stored in good.stored] == ["kept", "kept"]
    assert all(stored["id"] for stored in good.stored)
    assert isinstance(bad.error, ValueError) and bad.stored is None
    assert [event["name"] for event in announced] == ["kept", "kept"]
    with app.app_context():
        names = db.session.execute(select(Event.name)).scalars().all()
    assert names == ["kept", "kept"]
    assert stored_counts(app) == (2, 2, 2)


def test_writer_thread_ends_when_idle_and_restarts(app, monkeypatch):
    monkeypatch.setattr("app.track.writer.IDLE_SECONDS", 0.1)
    headers = register(app.test_client(), "idle")
    client = app.test_client()
    first = client.post("/api/v1/events", json={"name": "first_click"}, headers=headers)
    assert first.status_code == 202
    writer = app.extensions[EXTENSION_KEY]
    thread = writer.thread
    if thread is not None:
        thread.join(timeout=5)
    assert writer.thread is None
    second = client.post("/api/v1/events", json={"name": "second_click"}, headers=headers)
    assert second.get_json()["accepted"] == 1
    assert stored_counts(app)[0] == 2


def test_properties_are_stored_as_the_orm_writes_them(app, database_url):
    headers = register(app.test_client(), "props")
    properties = {"n": 1, "label": "café", "nested": {"ok": True}}
    response = app.test_client().post("/api/v1/events", headers=headers, json={
        "name": "props_click", "properties": properties})
    assert response.get_json()["accepted"] == 1
    with app.app_context():
        assert db.session.execute(select(Event.properties)).scalar_one() == properties
        if database_url.startswith("sqlite"):
            raw = db.session.execute(db.text("SELECT properties FROM events")).scalar_one()
            assert raw == json.dumps(properties)
