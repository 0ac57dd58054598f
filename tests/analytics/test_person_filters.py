"""person:<trait> breakdowns and filters: every analytics answer equals a brute-force count
over the events sent, through aliased anonymous ids, never across projects, never for
events with a user id; numbers and booleans compare as their JSON text; bad trait keys
and values are refused with a JSON 400.
"""

import csv
import io
import json
import random
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Event, Person, PersonDistinctId
from app.projects.builtin import self_tracking_project_id
from app.track.keys import create_key
from tests.analytics.web_traffic import BROWSERS, make_site, user_id

NOW = datetime.now(UTC).replace(microsecond=0)
RANGE = {"startDate": (NOW - timedelta(days=2)).date().isoformat(),
         "endDate": (NOW + timedelta(days=1)).date().isoformat()}
NAMES = ("page_view", "click", "signup")

# distinct ids -> traits, per project. "seats" is 3 for one person and "3" for another:
# both read as the text "3". "nested" is an object: no value.
HOME_PEOPLE = {
    ("u1", "anon-1a", "anon-1b"): {"plan": "pro", "seats": 3, "beta": True,
                                   "nested": {"x": 1}, "ratio": 2.5},
    ("u2",): {"plan": "free", "seats": 12, "beta": False},
    ("u3", "anon-3"): {"seats": 10, "plan": None},
    ("u4",): {"plan": "pro", "beta": True, "seats": "3"},
}
# The same distinct ids in another project, with other traits: never in the home answers.
OTHER_PEOPLE = {
    ("u1", "anon-1a"): {"plan": "enterprise"},
    ("u2",): {"plan": "pro"},
}
HOME_IDS = ("u1", "anon-1a", "anon-1b", "u2", "u3", "anon-3", "u4", "stranger", None)
OTHER_IDS = ("u1", "anon-1a", "u2", "stranger")


def trait_text(value):
    """What the API compares a trait as: JSON text for numbers and booleans."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return None


def add_people(app, project_id: int, people: dict) -> None:
    """People and their distinct ids, straight through the models."""
    with app.app_context():
        for ids, traits in people.items():
            person = Person(project_id=project_id, traits=traits)
            db.session.add(person)
            db.session.flush()
            for distinct_id in ids:
                db.session.add(PersonDistinctId(project_id=project_id, distinct_id=distinct_id,
                                                person_id=person.id))
        db.session.commit()


def send(client, events: list[dict], headers: dict) -> None:
    response = client.post("/api/v1/events", json={"events": events},
                           headers={**headers, "User-Agent": BROWSERS[0]})
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["accepted"] == len(events)


def random_events(rng: random.Random, ids: tuple, count: int) -> list[dict]:
    events = []
    for _ in range(count):
        anonymous_id = rng.choice(ids)
        events.append({"name": rng.choice(NAMES), "uuid": str(uuid.uuid4()),
                       "timestamp": (NOW - timedelta(minutes=rng.randrange(1, 1800))).isoformat(),
                       "page_url": f"https://example.com/{rng.choice(('a', 'b'))}",
                       **({"anonymous_id": anonymous_id} if anonymous_id else {})})
    return events


class World:
    """The stored events of both projects and each event's person's traits."""

    def __init__(self, app, home_id: int, other_id: int):
        with app.app_context():
            self.home = db.session.execute(select(Event).where(Event.project_id == home_id)
                                           ).scalars().all()
            self.other = db.session.execute(select(Event).where(Event.project_id == other_id)
                                            ).scalars().all()
            db.session.expunge_all()
        self.traits = {pid: {distinct_id: traits for ids, traits in people.items()
                             for distinct_id in ids}
                       for pid, people in ((home_id, HOME_PEOPLE), (other_id, OTHER_PEOPLE))}

    def value(self, event, trait: str):
        """The event's person's trait text, None for no person or no such value."""
        if event.user_id is not None or event.anonymous_id is None:
            return None
        person = self.traits[event.project_id].get(event.anonymous_id)
        return trait_text(person.get(trait)) if person else None

    def matching(self, events, **traits) -> list:
        return [event for event in events
                if all(self.value(event, trait) == (None if value == "(none)" else value)
                       for trait, value in traits.items())]


@pytest.fixture
def world(app, client, auth):
    """Home (the self-tracking project): events of four people (one under three ids, one
    through an alias), of a stranger, without an anonymous id, and a session user's events
    under a person's id (with a user id: not the person's). Other: the same distinct ids
    as other people, with their own events.
    """
    assert auth.register(username="owner", age=30, gender="Other").status_code == 201
    reader = dict(auth.headers)
    with app.app_context():
        home_id = self_tracking_project_id()
        _, home_key = create_key(home_id, "home-site")
    other_id, other_key = make_site(app, "other", user_id(app, "owner"))
    add_people(app, home_id, HOME_PEOPLE)
    add_people(app, other_id, OTHER_PEOPLE)
    rng = random.Random(20)
    send(client, random_events(rng, HOME_IDS, 160), {"X-Ouroboard-Key": home_key})
    send(client, random_events(rng, OTHER_IDS, 60), {"X-Ouroboard-Key": other_key})
    send(client, random_events(rng, ("u1", "anon-1a"), 7), auth.csrf_headers())
    state = World(app, home_id, other_id)
    assert sum(1 for event in state.home if event.user_id and event.anonymous_id) == 7
    return {"state": state, "reader": reader}


def get(client, world, path, **params):
    response = client.get(f"/api/v1{path}", query_string={**RANGE, **params},
                          headers=world["reader"])
    return response.status_code, response.get_json()


def breakdown_rows(client, world, by, **params) -> dict:
    status, body = get(client, world, "/analytics/breakdown", by=by, limit=100, **params)
    assert status == 200, body
    return {item["value"]: (item["count"], item["uniqueUsers"]) for item in body["items"]}


def people_of(events) -> int:
    """Unique people as every breakdown counts them: users plus anonymous ids."""
    return (len({event.user_id for event in events if event.user_id is not None})
            + len({event.anonymous_id for event in events
                   if event.user_id is None and event.anonymous_id is not None}))


@pytest.mark.parametrize("trait", ["plan", "seats", "beta", "ratio", "nested", "missing"])
def test_breakdown_by_a_trait_counts_each_value_of_the_events_person(client, world, trait):
    state = world["state"]
    expected: dict = {}
    for value in {state.value(event, trait) for event in state.home}:
        bucket = [event for event in state.home if state.value(event, trait) == value]
        expected[value] = (len(bucket), people_of(bucket))
    assert breakdown_rows(client, world, f"person:{trait}") == expected


def test_breakdown_reads_numbers_and_booleans_as_json_text(client, world):
    assert {"3", "12", "10"} <= set(breakdown_rows(client, world, "person:seats"))
    assert set(breakdown_rows(client, world, "person:beta")) == {"true", "false", None}
    assert set(breakdown_rows(client, world, "person:ratio")) == {"2.5", None}
    assert set(breakdown_rows(client, world, "person:nested")) == {None}


@pytest.mark.parametrize("filters", [
    {"person:plan": "pro"}, {"person:plan": "free"}, {"person:plan": "enterprise"},
    {"person:plan": "(none)"}, {"person:seats": "3"}, {"person:beta": "true"},
    {"person:beta": "false"}, {"person:plan": "pro", "person:beta": "true"},
    {"person:plan": "pro", "person:seats": "(none)"},
])
def test_every_answer_counts_only_the_events_of_matching_people(client, world, filters):
    state = world["state"]
    wanted = state.matching(state.home, **{key.removeprefix("person:"): value
                                           for key, value in filters.items()})
    names = Counter(event.name for event in wanted)

    status, summary = get(client, world, "/analytics/summary", **filters)
    assert status == 200, summary
    assert summary["totalEvents"] == len(wanted)
    assert summary["uniqueUsers"] == people_of(wanted)
    assert summary["featuresTracked"] == len(names)
    _, bars = get(client, world, "/analytics", **filters)
    assert {bar["feature"]: bar["count"] for bar in bars["barChartData"]} == names
    _, trend = get(client, world, "/analytics/timeseries", granularity="hour",
                   **filters)
    assert sum(point["count"] for point in trend["series"]) == len(wanted)
    assert {value: count for value, (count, _) in
            breakdown_rows(client, world, "feature", **filters).items()} == names
    assert {value: count for value, (count, _) in
            breakdown_rows(client, world, "gender", **filters).items()} == \
        Counter(event.gender for event in wanted)
    _, recent = get(client, world, "/analytics/recent", limit=100, **filters)
    assert {event["uuid"] for event in recent["events"]} == {event.uuid for event in wanted}
    status, web = get(client, world, "/analytics/web/summary", **filters)
    assert status == 200, web
    assert web["current"]["pageviews"] == names["page_view"]
    # A visit counts when one of its events in the range is a matching person's.
    assert web["current"]["visits"] == len({event.visit_id for event in wanted})
    _, devices = get(client, world, "/analytics/web/breakdown", by="device", **filters)
    assert devices["total"] == len({event.visit_id for event in wanted})
    _, pages = get(client, world, "/analytics/web/breakdown", by="page", **filters)
    assert {row["value"]: row["count"] for row in pages["rows"]} == Counter(
        event.pathname for event in wanted if event.name == "page_view")
    response = client.get("/api/v1/analytics/export.csv",
                          query_string={**RANGE, **filters}, headers=world["reader"])
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {row["uuid"] for row in rows} == {event.uuid for event in wanted}


def test_an_open_range_answer_is_filtered_too(client, world):
    state = world["state"]
    response = client.get("/api/v1/analytics/summary", query_string={"person:plan": "pro"},
                          headers=world["reader"])
    assert response.get_json()["totalEvents"] == len(state.matching(state.home, plan="pro"))


def test_another_projects_people_never_match(client, world):
    state = world["state"]
    other = {"project": "other"}
    _, body = get(client, world, "/analytics/summary", **other, **{"person:plan": "enterprise"})
    assert body["totalEvents"] == len(state.matching(state.other, plan="enterprise")) > 0
    _, body = get(client, world, "/analytics/summary", **{"person:plan": "enterprise"})
    assert body["totalEvents"] == 0
    expected = Counter(state.value(event, "plan") for event in state.other)
    assert {value: count for value, (count, _) in
            breakdown_rows(client, world, "person:plan", **other).items()} == expected


def test_events_with_a_user_id_are_not_the_persons(client, world):
    state = world["state"]
    with_user = [event for event in state.home if event.user_id is not None]
    _, body = get(client, world, "/analytics/summary", **{"person:plan": "(none)"})
    assert body["totalEvents"] >= len(with_user) > 0
    rows = breakdown_rows(client, world, "person:plan", **{"person:plan": "pro"})
    assert list(rows) == ["pro"]
    assert rows["pro"][0] == len(state.matching(state.home, plan="pro"))


def test_cached_answers_tell_person_filters_apart(client, world):
    state = world["state"]
    for value in ("pro", "free", "pro"):
        _, body = get(client, world, "/analytics/summary", **{"person:plan": value})
        assert body["totalEvents"] == len(state.matching(state.home, plan=value))
    _, body = get(client, world, "/analytics/summary")
    assert body["totalEvents"] == len(state.home)


def test_a_person_filter_is_held_to_the_raw_read_budget(app, client, world):
    app.config["RAW_READ_MAX_EVENTS"] = 10
    status, body = get(client, world, "/analytics/summary", **{"person:plan": "pro"})
    assert status == 400
    assert "person filters" in body["error"]


@pytest.mark.parametrize("params", [
    {"person:bad key": "x"}, {"person:": "x"}, {"person:" + "k" * 65: "x"},
    {"person:plan": "pro\x01"}, {"person:plan": "p" * 501}, {"person:<trait>": "x"},
    {f"person:t{n}": "x" for n in range(6)},
    {"by": "person:bad key"}, {"by": "person:"}, {"by": "person:a/b"},
])
def test_bad_trait_keys_and_values_are_a_json_400(client, world, params):
    path = "/analytics/breakdown" if "by" in params else "/analytics/summary"
    status, body = get(client, world, path, **params)
    assert status == 400
    assert isinstance(body["error"], str) and body["error"]
