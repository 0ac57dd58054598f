"""Fixtures of the projects tests: people with their own sessions, and a team around the
project `acme` with an owner, an admin, a viewer and an outsider.

The first account of each instance (`root`) is the instance admin and owns `ouroboard`;
the team's people come after it, as on any instance that is already in use.
"""

from dataclasses import dataclass, field

import pytest

from tests.conftest import AuthActions

API = "/api/v1"


class Person:
    """A registered user with their own test client (a browser of their own).

    Requests go with the bearer JWT unless `cookies=True`, which sends the cookie session
    and its CSRF header the way the dashboard does.
    """

    def __init__(self, app, username: str, invitation: str | None = None):
        self.client = app.test_client()
        self.auth = AuthActions(self.client)
        body = {"username": username, "password": "correct horse battery", "age": 30,
                "gender": "Female"}
        if invitation is not None:
            body["invitation"] = invitation
        self.registration = self.client.post(f"{API}/register", json=body)
        assert self.registration.status_code == 201, self.registration.get_json()
        self.auth.token = self.registration.get_json()["token"]
        self.id = self.registration.get_json()["user"]["id"]
        self.username = username

    def request(self, method: str, path: str, json=None, cookies: bool = False,
                headers: dict | None = None):
        """Send `method` to /api/v1 + path as this person."""
        sent = dict(headers or {})
        if cookies:
            sent.update(self.auth.csrf_headers())
        else:
            sent.update(self.auth.headers)
        return self.client.open(f"{API}{path}", method=method, json=json, headers=sent)

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json=None, **kwargs):
        return self.request("POST", path, json=json, **kwargs)

    def patch(self, path: str, json=None, **kwargs):
        return self.request("PATCH", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.request("DELETE", path, **kwargs)


def invite(by: Person, slug: str, role: str, **extra) -> dict:
    """Create an invitation as `by` and return its body."""
    response = by.post(f"/projects/{slug}/invitations", json={"role": role, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def join(app, username: str, inviter: Person, slug: str, role: str) -> Person:
    """Register `username` and have them accept an invitation to `slug` with `role`."""
    person = Person(app, username)
    token = invite(inviter, slug, role)["token"]
    accepted = person.post(f"/invitations/{token}/accept")
    assert accepted.status_code == 200, accepted.get_json()
    return person


@dataclass
class Team:
    """The people around project `acme`, by role."""

    root: Person
    owner: Person
    admin: Person
    viewer: Person
    outsider: Person
    people: dict = field(default_factory=dict)

    def by_role(self, role: str) -> Person:
        return getattr(self, role)


@pytest.fixture
def root(app):
    """The instance's first account: instance admin and owner of `ouroboard`."""
    return Person(app, "root")


@pytest.fixture
def team(app, root):
    """Project `acme` (owned by `olivia`) with an admin, a viewer, and an outsider who
    owns project `other`.
    """
    owner = Person(app, "olivia")
    created = owner.post("/projects", json={"name": "Acme", "slug": "acme"})
    assert created.status_code == 201, created.get_json()
    admin = join(app, "adam", owner, "acme", "admin")
    viewer = join(app, "vera", owner, "acme", "viewer")
    outsider = Person(app, "oscar")
    assert outsider.post("/projects", json={"name": "Other", "slug": "other"}).status_code == 201
    return Team(root=root, owner=owner, admin=admin, viewer=viewer, outsider=outsider)
