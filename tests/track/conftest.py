"""Helpers for reading back what ingestion stored."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Event
from app.track.keys import create_key


class StoredEvents:
    """Read the events table of the app under test."""

    def __init__(self, app):
        self.app = app

    def count(self) -> int:
        with self.app.app_context():
            return db.session.execute(select(func.count(Event.id))).scalar_one()

    def all(self) -> list[Event]:
        with self.app.app_context():
            rows = db.session.execute(select(Event).order_by(Event.id)).scalars().all()
            db.session.expunge_all()
            return rows


@pytest.fixture
def stored(app):
    return StoredEvents(app)


@pytest.fixture
def user(auth):
    """A registered, logged-in user (bearer token in auth.headers, cookies in the client)."""
    response = auth.register(username="tracker", age=41, gender="Male")
    assert response.status_code == 201
    return response.get_json()["user"]


@pytest.fixture
def ingest_key(app):
    """A fresh raw ingestion key."""
    with app.app_context():
        _, raw_key = create_key("test-site")
    return raw_key
