"""Public sharing: a project's own switch (`publicSharing`), which an admin turns on, lets
anyone who names its slug read its analytics tokenless through the seed dialects; a share
link alone never does. Seeding turns it on for `ouroboard` in development and demo mode
only, so the seed clients' tokenless analytics work against `make run`.
"""

import pytest
from sqlalchemy import select

from app.compat.sharing import share_self_tracking_project
from app.extensions import db
from app.models import Project
from app.projects import data as project_data
from app.projects.builtin import self_tracking_project_id
from tests.compat.conftest import create_share_link, make_public, register

ANALYTICS = "/api/compat/insightloop/{slug}/analytics"
SUMMARY = "/api/compat/realtime/{slug}/analytics/summary"


def shared_after_seeding(app) -> tuple[bool, bool, bool]:
    """(turned it on, turned it on again on a second run, the project is public)."""
    with app.app_context():
        first, second = share_self_tracking_project(), share_self_tracking_project()
        return first, second, project_data.is_public(self_tracking_project_id())


def stored_public_sharing(app, slug: str) -> bool:
    with app.app_context():
        return db.session.execute(
            select(Project.public_sharing).where(Project.slug == slug)).scalar_one()


@pytest.mark.parametrize("env, demo_mode, expected", [
    ("development", None, (True, False, True)),
    ("production", "1", (True, False, True)),
    ("production", None, (False, False, False)),
    ("testing", None, (False, False, False)),
])
def test_only_development_and_demo_share_ouroboard(make_app, monkeypatch, env, demo_mode,
                                                   expected):
    if demo_mode:
        monkeypatch.setenv("DEMO_MODE", demo_mode)
    else:
        monkeypatch.delenv("DEMO_MODE", raising=False)
    assert shared_after_seeding(make_app(APP_ENV=env)) == expected


def test_seeding_makes_no_share_link(make_app, monkeypatch):
    monkeypatch.delenv("DEMO_MODE", raising=False)
    app = make_app(APP_ENV="development")
    shared_after_seeding(app)
    with app.app_context():
        assert project_data.is_shared(self_tracking_project_id()) is False


def test_the_seed_client_reads_ouroboard_tokenless_after_seeding(make_app, monkeypatch):
    monkeypatch.delenv("DEMO_MODE", raising=False)
    app = make_app(APP_ENV="development")
    client = app.test_client()
    with app.app_context():
        self_tracking_project_id()  # made by a migration (the Postgres tests empty tables)
    assert client.get(ANALYTICS.format(slug="ouroboard")).status_code == 401
    shared_after_seeding(app)
    response = client.get(ANALYTICS.format(slug="ouroboard"))
    assert response.status_code == 200
    assert response.get_json() == {"barChart": {}, "lineChart": {}}


def test_a_share_link_alone_leaves_tokenless_reads_refused(app, client, owner):
    create_share_link(client, owner)
    for url in (ANALYTICS, SUMMARY):
        response = client.get(url.format(slug="acme"))
        assert response.status_code == 401
        assert "public sharing in the project's settings" in response.get_json()["error"]
    assert stored_public_sharing(app, "acme") is False


def test_public_sharing_on_answers_tokenless_reads_and_off_refuses_them(app, client, owner):
    assert client.get("/api/v1/projects/acme", headers=owner.headers
                      ).get_json()["publicSharing"] is False
    make_public(client, owner)
    assert stored_public_sharing(app, "acme") is True
    for url in (ANALYTICS, SUMMARY):
        assert client.get(url.format(slug="acme")).status_code == 200
    projects = client.get("/api/v1/projects", headers=owner.headers).get_json()["projects"]
    assert {p["slug"]: p["publicSharing"] for p in projects} == {
        "ouroboard": False, "acme": True}
    make_public(client, owner, on=False)
    assert stored_public_sharing(app, "acme") is False
    assert client.get(ANALYTICS.format(slug="acme")).status_code == 401


def test_public_sharing_is_per_project(app, client, owner):
    response = client.post("/api/v1/projects", json={"name": "Beta", "slug": "beta"},
                           headers=owner.headers)
    assert response.status_code == 201
    make_public(client, owner, "acme")
    assert client.get(ANALYTICS.format(slug="acme")).status_code == 200
    for slug in ("beta", "ouroboard"):
        assert client.get(ANALYTICS.format(slug=slug)).status_code == 401
        assert client.get(SUMMARY.format(slug=slug)).status_code == 401
        assert stored_public_sharing(app, slug) is False


def test_a_viewer_cannot_turn_public_sharing_on(app, client, owner):
    response = client.post("/api/v1/projects/acme/invitations", json={"role": "viewer"},
                           headers=owner.headers)
    assert response.status_code == 201, response.get_json()
    viewer = register(client, "viewer")
    accepted = client.post(f"/api/v1/invitations/{response.get_json()['token']}/accept",
                           headers=viewer.headers)
    assert accepted.status_code == 200
    assert accepted.get_json()["role"] == "viewer"
    refused = client.patch("/api/v1/projects/acme", json={"publicSharing": True},
                           headers=viewer.headers)
    assert refused.status_code == 403
    assert stored_public_sharing(app, "acme") is False
    assert client.get(ANALYTICS.format(slug="acme")).status_code == 401


@pytest.mark.parametrize("value", ["true", 1, None, "yes", []])
def test_public_sharing_takes_only_true_or_false(app, client, owner, value):
    response = client.patch("/api/v1/projects/acme", json={"publicSharing": value},
                            headers=owner.headers)
    assert response.status_code == 400
    assert "publicSharing" in str(response.get_json())
    assert stored_public_sharing(app, "acme") is False
