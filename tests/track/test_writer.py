"""Group commit: concurrent ingest requests share transactions and lose nothing."""

import json
import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.event_rows import event_row
from app.extensions import db
from app.models import Event
from app.projects.builtin import self_tracking_project_id
from app.track.store import insert_prepared, prepare_rows
from app.track.writer import EXTENSION_KEY, GroupWriter
from tests.helpers import stored_counts


def register(client, username: str) -> dict:
    response = client.post("/api/v1/register", json={
        "username": username, "password": "tangerine ostrich 47", "age": 30, "gender": "Other"})
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


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
    assert EXTENSION_KEY in app.extensions  # the group writer did the storing


def test_one_failing_request_does_not_fail_the_others_in_its_group(app):
    """The group's transaction fails, so each request is retried alone: the good one is
    stored, the bad one gets its error, and nothing of the bad one remains."""

    def store_or_fail(batches):
        inserted = insert_prepared(batches)  # written, then refused: must be rolled back
        if any(row["name"] == "refused" for batch in batches for row in batch.rows):
            raise ValueError("refused on purpose")
        return inserted

    def row(name: str) -> dict:
        return event_row(name, datetime.now(UTC), project_id=self_tracking_project_id(),
                         anonymous_id="visitor")

    announced = []
    writer = GroupWriter(prepare_rows, store_or_fail, announced.extend)
    with app.app_context():
        good, bad = writer.pending_for([row("kept"), row("kept")]), writer.pending_for(
            [row("refused")])
        writer.write([good, bad])
        db.session.remove()

    assert good.done and bad.done
    assert [stored["name"] for stored in good.stored] == ["kept", "kept"]
    assert all(stored["id"] for stored in good.stored)
    assert isinstance(bad.error, ValueError) and bad.stored is None
    assert [event["name"] for event in announced] == ["kept", "kept"]
    with app.app_context():
        names = db.session.execute(select(Event.name)).scalars().all()
    assert names == ["kept", "kept"]
    assert stored_counts(app) == (2, 2, 2)


def test_a_lone_request_writes_its_own_rows_in_its_own_thread(app):
    """No hand-off when nobody else is writing: the request's thread leads its group."""
    headers = register(app.test_client(), "alone")
    client = app.test_client()
    assert client.post("/api/v1/events", json={"name": "first_click"},
                       headers=headers).status_code == 202
    writer = app.extensions[EXTENSION_KEY]
    writing_threads = []
    original = writer.store_prepared

    def recording_store(batches):
        writing_threads.append(threading.current_thread())
        return original(batches)

    writer.store_prepared = recording_store
    try:
        response = client.post("/api/v1/events", json={"name": "second_click"}, headers=headers)
    finally:
        writer.store_prepared = original
    assert response.get_json()["accepted"] == 1
    assert writing_threads == [threading.current_thread()]
    assert stored_counts(app) == (2, 2, 2)
    assert not writer.leading and not writer.waiting


@pytest.mark.parametrize("max_group_rows", [2000, 5])
def test_requests_arriving_during_a_write_share_the_next_transaction(app, monkeypatch,
                                                                     max_group_rows):
    """While one request writes, the others queue; then they are written in as few groups
    as the group size allows, each request gets its own result, and none is left out."""
    monkeypatch.setattr("app.track.writer.MAX_GROUP_ROWS", max_group_rows)
    headers = register(app.test_client(), "queued")
    client = app.test_client()
    assert client.post("/api/v1/events", json={"name": "warm_up"},
                       headers=headers).status_code == 202
    writer = app.extensions[EXTENSION_KEY]
    original = writer.store_prepared
    first_is_writing, release_first = threading.Event(), threading.Event()
    group_sizes = []

    def slow_first_store(batches):
        group_sizes.append(sum(len(batch.rows) for batch in batches))
        if len(group_sizes) == 1:
            first_is_writing.set()
            release_first.wait(10)
        return original(batches)

    writer.store_prepared = slow_first_store
    results = {}

    def send(name: str, count: int):
        events = [{"name": name, "uuid": str(uuid.uuid4())} for _ in range(count)]
        response = app.test_client().post("/api/v1/events", json={"events": events},
                                          headers=headers)
        results[name] = response.get_json()

    try:
        first = threading.Thread(target=send, args=("first", 1))
        first.start()
        assert first_is_writing.wait(10)
        followers = [threading.Thread(target=send, args=(f"follower_{n}", n + 2))
                     for n in range(3)]
        for thread in followers:
            thread.start()
        deadline = time.monotonic() + 10
        while len(writer.waiting) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        release_first.set()
        for thread in (first, *followers):
            thread.join(10)
    finally:
        writer.store_prepared = original
        release_first.set()
    assert group_sizes[0] == 1 and sum(group_sizes[1:]) == 2 + 3 + 4
    if max_group_rows >= 9:
        assert group_sizes == [1, 9]
    else:  # oldest first, whole requests only: more than one group
        assert len(group_sizes) > 2 and max(group_sizes[1:]) <= max_group_rows
    assert results == {"first": {"accepted": 1, "duplicates": 0, "rejected": []},
                       **{f"follower_{n}": {"accepted": n + 2, "duplicates": 0, "rejected": []}
                          for n in range(3)}}
    assert stored_counts(app) == (11, 11, 11)
    assert not writer.leading and not writer.waiting


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


def test_every_stored_row_is_reported_with_its_own_id(app):
    """The ids a write hands back (to /track's answer and the live streams) are the ids the
    rows were stored under: for an all-new group, and for one where stored uuids and a
    uuid sent twice were skipped."""

    def row(event_uuid: str) -> dict:
        return event_row("reported", datetime.now(UTC), uuid=event_uuid,
                         project_id=self_tracking_project_id(), anonymous_id="visitor")

    announced = []
    writer = GroupWriter(prepare_rows, insert_prepared, announced.extend)
    first_uuids = [str(uuid.uuid4()) for _ in range(5)]
    twice = str(uuid.uuid4())
    later_uuids = [str(uuid.uuid4()) for _ in range(3)]
    with app.app_context():
        new_group = [writer.pending_for([row(u) for u in first_uuids[:3]]),
                     writer.pending_for([row(u) for u in first_uuids[3:]])]
        writer.write(new_group)
        mixed = [writer.pending_for([row(first_uuids[1]), row(later_uuids[0]), row(twice)]),
                 writer.pending_for([row(twice), row(later_uuids[1]), row(first_uuids[4]),
                                     row(later_uuids[2])])]
        writer.write(mixed)
        stored_ids = dict(db.session.execute(select(Event.uuid, Event.id)).all())
        db.session.remove()

    assert [[r["uuid"] for r in p.stored] for p in new_group] == [first_uuids[:3],
                                                                   first_uuids[3:]]
    assert [[r["uuid"] for r in p.stored] for p in mixed] == [
        [later_uuids[0], twice], [later_uuids[1], later_uuids[2]]]
    reported = {r["uuid"]: r["id"] for p in new_group + mixed for r in p.stored}
    assert reported == stored_ids
    assert [event["id"] for event in announced] == [
        stored_ids[u] for u in first_uuids + [later_uuids[0], twice] + later_uuids[1:]]
    assert stored_counts(app) == (9, 9, 9)


# A request gives up after DATABASE_LOCK_TIMEOUT_MS + WRITER_GRACE_SECONDS: 0.3 s here.
SHORT_LOCK_TIMEOUT_MS = 100
SHORT_GRACE_SECONDS = 0.2


@pytest.fixture
def impatient_app(make_app, monkeypatch):
    """An app whose ingest requests give up on the group writer after 0.3 s."""
    monkeypatch.setattr("app.track.command.WRITER_GRACE_SECONDS", SHORT_GRACE_SECONDS)
    return make_app(DATABASE_LOCK_TIMEOUT_MS=SHORT_LOCK_TIMEOUT_MS)


def stored_names(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.execute(select(Event.name)).scalars())


def wait_until(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition never came true"
        time.sleep(0.01)


def track_in_thread(app, headers: dict, feature: str, answers: dict) -> threading.Thread:
    """POST /track (no uuid: a retry would be counted twice) from another thread."""

    def send():
        answers[feature] = app.test_client().post(
            "/api/v1/track", json={"feature_name": feature}, headers=headers)

    thread = threading.Thread(target=send)
    thread.start()
    return thread


def test_rows_still_queued_when_the_request_gives_up_are_never_stored(impatient_app):
    """The 503'd request's rows leave the queue with it: the next leader does not commit
    them behind the client's back, so the client's retry is counted once."""
    app = impatient_app
    headers = register(app.test_client(), "impatient")
    client = app.test_client()
    assert client.post("/api/v1/events", json={"name": "warm_up"},
                       headers=headers).status_code == 202
    writer = app.extensions[EXTENSION_KEY]
    original = writer.store_prepared
    leader_is_writing, release_leader = threading.Event(), threading.Event()

    def blocked_store(batches):
        if not leader_is_writing.is_set():
            leader_is_writing.set()
            release_leader.wait(10)
        return original(batches)

    writer.store_prepared = blocked_store
    answers: dict = {}
    try:
        leader = track_in_thread(app, headers, "leader", answers)
        assert leader_is_writing.wait(10)
        late = client.post("/api/v1/track", json={"feature_name": "late"}, headers=headers)
        assert late.status_code == 503
        assert late.get_json()["error"] and int(late.headers["Retry-After"]) > 0
        assert not writer.waiting
        release_leader.set()
        leader.join(10)
    finally:
        writer.store_prepared = original
        release_leader.set()
    assert answers["leader"].status_code == 201
    retry = client.post("/api/v1/track", json={"feature_name": "late"}, headers=headers)
    assert retry.status_code == 201
    assert stored_names(app) == ["late", "leader", "warm_up"]
    assert stored_counts(app) == (3, 3, 3)
    assert not writer.leading and not writer.waiting


def test_rows_a_leader_took_but_did_not_commit_in_time_are_withdrawn(impatient_app):
    """The leader took the request's rows but was still not committing when the request's
    patience ran out: the request answers 503, and the leader writes its group without them."""
    app = impatient_app
    headers = register(app.test_client(), "withdrawn")
    assert app.test_client().post("/api/v1/events", json={"name": "warm_up"},
                                  headers=headers).status_code == 202
    before = stored_counts(app)
    writer = app.extensions[EXTENSION_KEY]
    with writer.changed:
        writer.leading = True  # this test's thread is the leader: it writes when it chooses
    answers: dict = {}
    try:
        late = track_in_thread(app, headers, "late", answers)
        wait_until(lambda: len(writer.waiting) == 1)
        with writer.changed:
            group = writer.take_group()
        late.join(10)
        assert answers["late"].status_code == 503
        with app.app_context():
            writer.write(group)  # the rows reach the database, then are rolled back
            db.session.remove()
    finally:
        with writer.changed:
            writer.leading = False
            writer.changed.notify_all()
    assert stored_names(app) == ["warm_up"]
    assert stored_counts(app) == before == (1, 1, 1)


def test_rows_whose_commit_has_begun_are_answered_by_its_outcome(impatient_app):
    """Once the leader is committing, the request waits for the commit however long past
    its deadline, and answers success for the rows that were committed: never a 503."""
    app = impatient_app
    headers = register(app.test_client(), "patient")
    assert app.test_client().post("/api/v1/events", json={"name": "warm_up"},
                                  headers=headers).status_code == 202
    writer = app.extensions[EXTENSION_KEY]
    committing, release_commit = threading.Event(), threading.Event()
    original_begin = writer.begin_commit

    def slow_commit(group):
        original_begin(group)
        committing.set()
        release_commit.wait(10)

    def lead(group):
        with app.app_context():
            writer.write(group)
            db.session.remove()

    with writer.changed:
        writer.leading = True
    writer.begin_commit = slow_commit
    answers: dict = {}
    try:
        late = track_in_thread(app, headers, "late", answers)
        wait_until(lambda: len(writer.waiting) == 1)
        with writer.changed:
            group = writer.take_group()
        leader = threading.Thread(target=lead, args=(group,))
        leader.start()
        assert committing.wait(10)
        late.join(1.0)  # three times the request's deadline, and its patience, have passed
        assert late.is_alive(), f"answered before the commit: {answers}"
        release_commit.set()
        leader.join(10)
        late.join(10)
    finally:
        writer.begin_commit = original_begin
        release_commit.set()
        with writer.changed:
            writer.leading = False
            writer.changed.notify_all()
    assert answers["late"].status_code == 201
    assert answers["late"].get_json()["feature_name"] == "late"
    assert stored_names(app) == ["late", "warm_up"]
    assert stored_counts(app) == (2, 2, 2)
