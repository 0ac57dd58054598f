"""Identify: people, their ids and traits, and the demographics their events count under
(stamped at ingest, restamped with the rollups when an identify changes them)."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Event, Person, PersonDistinctId, Project
from app.people.service import identify
from app.projects.builtin import self_tracking_project_id
from app.track.keys import create_key
from tests.helpers import event, post_events
from tests.rollups.test_definition import assert_rollups_match

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def site(app, client, auth):
    """(project id, key headers, reader headers) in the self-tracking project."""
    assert auth.register(username="reader", age=50, gender="Male").status_code == 201
    with app.app_context():
        project_id = self_tracking_project_id()
        _, raw_key = create_key(project_id, "people-site")
        db.session.commit()
    return project_id, {"X-Ouroboard-Key": raw_key}, auth.headers


def send(client, headers, anonymous_id, count, *, name="page_view", hours_ago=1):
    events = [event(name, anonymous_id=anonymous_id,
                    timestamp=(NOW - timedelta(hours=hours_ago, minutes=index)).isoformat())
              for index in range(count)]
    response = post_events(client, {"events": events}, headers)
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["accepted"] == count


def stamps(app, anonymous_id) -> set[tuple]:
    with app.app_context():
        return set(db.session.execute(select(Event.age_group, Event.gender).where(
            Event.anonymous_id == anonymous_id)).all())


def counts_by(client, reader, **filters) -> int:
    response = client.get("/api/v1/analytics/summary", headers=reader, query_string={
        "startDate": (NOW - timedelta(days=3)).date().isoformat(),
        "endDate": NOW.date().isoformat(), **filters})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["totalEvents"]


def post_identify(client, body, headers):
    return client.post("/api/v1/identify", json=body, headers=headers)


def test_identify_restamps_past_anonymous_events_and_moves_their_counts(app, client, site):
    _, key, reader = site
    send(client, key, "anon-1", 3)
    send(client, key, "anon-2", 2, hours_ago=30)
    assert stamps(app, "anon-1") == {(None, None)}
    assert counts_by(client, reader, ageGroup="<18") == 0

    response = post_identify(client, {"distinct_id": "user-1", "anonymous_id": "anon-1",
                                      "traits": {"age": 16, "gender": "female",
                                                 "plan": "pro"}}, key)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "distinct_id": "user-1", "age_group": "<18", "gender": "Female",
        "traits": {"age": 16, "gender": "female", "plan": "pro"}, "events_restamped": 3}
    assert stamps(app, "anon-1") == {("<18", "Female")}
    assert stamps(app, "anon-2") == {(None, None)}
    assert counts_by(client, reader, ageGroup="<18") == 3
    assert counts_by(client, reader, ageGroup="<18", gender="Female") == 3
    assert counts_by(client, reader, gender="Male") == 0
    assert_rollups_match(app)

    # Later events of either id are stamped as they are stored.
    send(client, key, "user-1", 2)
    send(client, key, "anon-1", 1)
    assert stamps(app, "user-1") == {("<18", "Female")}
    assert counts_by(client, reader, ageGroup="<18") == 6
    assert_rollups_match(app)

    # A birthday moves every event, and every rollup count, to the new group.
    response = post_identify(client, {"distinct_id": "user-1", "traits": {"age": 19}}, key)
    assert response.get_json()["events_restamped"] == 6
    assert counts_by(client, reader, ageGroup="<18") == 0
    assert counts_by(client, reader, ageGroup="18-40", gender="Female") == 6
    assert_rollups_match(app)


def test_an_anonymous_person_with_traits_is_merged_into_the_identified_one(app, client, site):
    project_id, key, _ = site
    send(client, key, "anon-9", 2)
    with app.app_context():
        # Traits for an anonymous visitor, as PostHog's $set gives them: not a sign-in.
        identify(project_id, "anon-9", {"plan": "free", "gender": "Other"}, identified=False)
    assert post_identify(client, {"distinct_id": "user-9", "traits": {"plan": "pro"}},
                         key).status_code == 200
    response = post_identify(client, {"distinct_id": "user-9", "anonymous_id": "anon-9",
                                      "traits_once": {"first_seen": "ad", "plan": "x"}}, key)
    assert response.status_code == 200
    # The identified person's own traits win; set-once only fills what is missing.
    assert response.get_json()["traits"] == {"plan": "pro", "gender": "Other",
                                             "first_seen": "ad"}
    with app.app_context():
        assert db.session.execute(select(Person.id).where(
            Person.project_id == project_id)).scalars().all().__len__() == 1
        ids = db.session.execute(select(PersonDistinctId.distinct_id)).scalars().all()
        assert sorted(ids) == ["anon-9", "user-9"]
    assert stamps(app, "anon-9") == {(None, "Other")}
    assert_rollups_match(app)


def test_a_dashboard_accounts_events_keep_the_accounts_demographics(app, client, site, auth):
    project_id, key, _ = site
    click = client.post("/api/v1/track", json={"feature_name": "date_filter"},
                        headers=auth.headers)
    assert click.status_code == 201
    with app.app_context():
        db.session.execute(Event.__table__.update().values(anonymous_id="shared-id"))
        db.session.commit()
        identify(project_id, "shared-id", {"age": 10, "gender": "Female"})
    assert stamps(app, "shared-id") == {(">40", "Male")}
    assert_rollups_match(app)


def test_people_of_another_project_are_untouched(app, client, site, auth):
    project_id, key, _ = site
    created = client.post("/api/v1/projects", json={"name": "Other site"}, headers=auth.headers)
    assert created.status_code == 201, created.get_json()
    with app.app_context():
        other_id = db.session.execute(select(Project.id).where(
            Project.slug == created.get_json()["slug"])).scalar_one()
        _, other_raw = create_key(other_id, "other-site")
        db.session.commit()
    other_key = {"X-Ouroboard-Key": other_raw}
    send(client, key, "same-id", 2)
    send(client, other_key, "same-id", 3)
    assert post_identify(client, {"distinct_id": "same-id", "traits": {"age": 70}},
                         other_key).get_json()["events_restamped"] == 3
    with app.app_context():
        by_project = db.session.execute(select(Event.project_id, Event.age_group).where(
            Event.anonymous_id == "same-id")).all()
    assert sorted(set(by_project)) == [(project_id, None), (other_id, ">40")]
    assert_rollups_match(app)


@pytest.mark.parametrize(("age", "group"), [
    (30, "18-40"), ("41", ">40"), (" 17 ", "<18"), (17.9, "<18"), ("²", None), ("٣٠", None),
    (0, None), (121, None), (True, None), ("thirty", None), ([30], None), (1e308, None)])
def test_odd_ages_give_a_group_only_when_they_are_plain_numbers(client, site, age, group):
    _, key, _ = site
    response = post_identify(client, {"distinct_id": "aged", "traits": {"age": age}}, key)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["age_group"] == group


@pytest.mark.parametrize(("body", "field"), [
    ({}, "distinct_id"),
    ({"distinct_id": ""}, "distinct_id"),
    ({"distinct_id": "x" * 65}, "distinct_id"),
    ({"distinct_id": 5}, "distinct_id"),
    ({"distinct_id": "u", "traits": ["age", 3]}, "traits"),
    ({"distinct_id": "u", "traits": {"k": "v" * 9000}}, "traits"),
    ({"distinct_id": "u", "traits": {"": 1}}, "traits"),
    ({"distinct_id": "u", "anonymous_id": "a" * 65}, "anonymous_id"),
    ({"distinct_id": "u", "trait": {"age": 3}}, "trait"),
])
def test_bad_identifies_are_refused_with_the_field_named(client, site, body, field):
    _, key, _ = site
    response = post_identify(client, body, key)
    assert response.status_code == 400
    assert field in response.get_json()["details"]


def test_identify_needs_a_valid_key_and_an_object(client, site):
    _, key, reader = site
    assert post_identify(client, {"distinct_id": "u"}, {"X-Ouroboard-Key": "obk_nope"}
                         ).status_code == 401
    assert post_identify(client, {"distinct_id": "u"}, reader).status_code == 401
    response = post_identify(client, ["u"], key)
    assert response.status_code == 400
    assert "error" in response.get_json()
    body = json.dumps({"distinct_id": "u", "key": key["X-Ouroboard-Key"]})
    beacon = client.post("/api/v1/identify", data=body, content_type="text/plain")
    assert beacon.status_code == 200, beacon.get_json()


def test_merged_traits_stay_bounded(client, site):
    _, key, _ = site
    for index in range(3):
        traits = {f"k{index}_{n}": "v" * 60 for n in range(100)}
        response = post_identify(client, {"distinct_id": "big", "traits": traits}, key)
    assert response.status_code == 400
    assert "traits" in response.get_json()["details"]


def test_an_anonymous_id_of_someone_identified_before_stays_theirs(app, client, site):
    project_id, key, _ = site
    send(client, key, "shared-browser", 2)
    assert post_identify(client, {"distinct_id": "first-user", "anonymous_id": "shared-browser",
                                  "traits": {"gender": "Male"}}, key).status_code == 200
    # Someone else signs in on the same browser without a reset in between.
    second = post_identify(client, {"distinct_id": "second-user",
                                    "anonymous_id": "shared-browser",
                                    "traits": {"gender": "Female"}}, key)
    assert second.status_code == 200
    assert second.get_json()["events_restamped"] == 0
    with app.app_context():
        owners = dict(db.session.execute(select(
            PersonDistinctId.distinct_id, PersonDistinctId.person_id)).all())
    assert owners["shared-browser"] == owners["first-user"] != owners["second-user"]
    assert stamps(app, "shared-browser") == {(None, "Male")}
    assert_rollups_match(app)


def test_someone_identified_is_never_merged_into_someone_else(app, client, site):
    _, key, _ = site
    send(client, key, "alice", 3)
    assert post_identify(client, {"distinct_id": "alice", "traits": {"gender": "Female"}},
                         key).status_code == 200
    bob = post_identify(client, {"distinct_id": "bob", "anonymous_id": "alice",
                                 "traits": {"gender": "Male"}}, key)
    assert bob.status_code == 200
    assert bob.get_json()["events_restamped"] == 0
    with app.app_context():
        owners = dict(db.session.execute(select(
            PersonDistinctId.distinct_id, PersonDistinctId.person_id)).all())
        assert len(db.session.execute(select(Person.id)).all()) == 2
    assert owners["alice"] != owners["bob"]
    assert stamps(app, "alice") == {(None, "Female")}


def test_a_person_has_a_bounded_number_of_ids(app, client, site, monkeypatch):
    from app.people import service

    monkeypatch.setattr(service, "MAX_IDS_PER_PERSON", 3)
    _, key, _ = site
    for anonymous in ("a1", "a2"):
        assert post_identify(client, {"distinct_id": "many", "anonymous_id": anonymous},
                             key).status_code == 200
    refused = post_identify(client, {"distinct_id": "many", "anonymous_id": "a3"}, key)
    assert refused.status_code == 400
    assert "anonymous_id" in refused.get_json()["details"]
    with app.app_context():
        assert sorted(db.session.execute(select(PersonDistinctId.distinct_id)).scalars()) == [
            "a1", "a2", "many"]


def test_an_identify_that_changes_nothing_restamps_nothing(client, site):
    _, key, _ = site
    send(client, key, "quiet", 2)
    first = post_identify(client, {"distinct_id": "quiet", "traits": {"age": 50}}, key)
    assert first.get_json()["events_restamped"] == 2
    again = post_identify(client, {"distinct_id": "quiet", "traits": {"plan": "pro"}}, key)
    assert again.get_json() == {"distinct_id": "quiet", "age_group": ">40", "gender": None,
                                "traits": {"age": 50, "plan": "pro"}, "events_restamped": 0}
