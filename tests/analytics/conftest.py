"""Hand-built event fixtures whose right answers are known."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from app.event_rows import event_row
from app.extensions import db
from app.models import User, age_group_for
from app.projects.builtin import self_tracking_project_id
from app.track.store import insert_events


@dataclass(frozen=True)
class Person:
    id: int
    age: int
    gender: str


@dataclass(frozen=True)
class FixtureEvent:
    name: str
    at: datetime
    person: Person | None = None
    anonymous_id: str | None = None
    page_url: str | None = None
    properties: dict | None = None

    @property
    def age_group(self):
        return age_group_for(self.person.age) if self.person else None

    @property
    def gender(self):
        return self.person.gender if self.person else None


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


class EventFixtures:
    """Create people and events straight in the database of the app under test."""

    def __init__(self, app):
        self.app = app
        self.events: list[FixtureEvent] = []

    def person(self, age: int, gender: str) -> Person:
        with self.app.app_context():
            user = User(username=f"p{uuid.uuid4().hex[:10]}", password_hash="x", age=age,
                        gender=gender)
            db.session.add(user)
            db.session.commit()
            return Person(user.id, age, gender)

    def add(self, *fixture_events: FixtureEvent) -> None:
        with self.app.app_context():
            project_id = self_tracking_project_id()
        rows = [event_row(item.name, item.at, project_id=project_id,
                          user_id=item.person.id if item.person else None,
                          age_group=item.age_group, gender=item.gender,
                          anonymous_id=item.anonymous_id, page_url=item.page_url,
                          properties=item.properties)
                for item in fixture_events]
        with self.app.app_context():
            # The real write path, so the rollups are kept exactly as ingestion keeps them.
            insert_events(rows)
            db.session.commit()
        self.events.extend(fixture_events)


@pytest.fixture
def fixtures(app):
    return EventFixtures(app)


@pytest.fixture
def viewer(auth):
    """Bearer headers of a logged-in dashboard user (who has no events of their own)."""
    assert auth.register(username="viewer", age=30, gender="Other").status_code == 201
    return auth.headers


@pytest.fixture
def get_json(client, viewer):
    """GET an analytics path with query params; return (status, body)."""

    def fetch(path: str, **params):
        response = client.get(f"/api/v1{path}", query_string=params, headers=viewer)
        return response.status_code, response.get_json()

    return fetch
