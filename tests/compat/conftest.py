"""Fixtures of the dialect tests: a member's project `acme` with an ingestion key, an
outsider, and public sharing switched on by its owner through /api/v1 (PATCH publicSharing).
"""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Event, Project
from app.track.keys import create_key


class Person:
    """A registered user of the test client, known by their bearer token."""

    def __init__(self, client, token: str):
        self.client = client
        self.token = token

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


def register(client, username: str, age: int = 30, gender: str = "Female") -> Person:
    response = client.post("/api/v1/register", json={
        "username": username, "password": "correct horse battery", "age": age,
        "gender": gender})
    assert response.status_code == 201, response.get_json()
    client.delete_cookie("access_token_cookie")  # bearer-only, as the seed clients are
    return Person(client, response.get_json()["token"])


@pytest.fixture
def owner(client) -> Person:
    """The instance's first account, owner of the project `acme`."""
    person = register(client, "owner")
    response = client.post("/api/v1/projects", json={"name": "Acme", "slug": "acme"},
                           headers=person.headers)
    assert response.status_code == 201, response.get_json()
    return person


@pytest.fixture
def outsider(client, owner) -> Person:
    """A second account, a member of no project but `ouroboard` (as every new account in
    development and tests).
    """
    return register(client, "outsider", age=50, gender="Male")


@pytest.fixture
def acme_key(app, owner) -> str:
    """A raw ingestion key of `acme`."""
    with app.app_context():
        project_id = db.session.execute(select(Project.id).where(Project.slug == "acme")).scalar()
        _, raw_key = create_key(project_id, "realtime-site")
    return raw_key


def make_public(client, person: Person, slug: str = "acme", on: bool = True) -> None:
    """Turn the project's public sharing (tokenless reads) on, or off, as its admin."""
    response = client.patch(f"/api/v1/projects/{slug}", json={"publicSharing": on},
                            headers=person.headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["publicSharing"] is on


def create_share_link(client, person: Person, slug: str = "acme") -> int:
    """A share link of the project (which alone never makes it public); its id."""
    response = client.post(f"/api/v1/projects/{slug}/share-links", headers=person.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def events_of(app, slug: str) -> list[Event]:
    """The project's stored events, oldest first."""
    with app.app_context():
        rows = db.session.execute(
            select(Event).join(Project, Project.id == Event.project_id)
            .where(Project.slug == slug).order_by(Event.id)).scalars().all()
        db.session.expunge_all()
        return rows
