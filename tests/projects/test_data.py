"""Deleting a project: its events, every rollup's rows, keys, invitations, share links,
token scopes and memberships go; other projects' rows stay; its slug may be reused."""

from sqlalchemy import column, func, select, table

from app.extensions import db
from app.models import (
    ApiTokenProject,
    Event,
    IngestKey,
    Invitation,
    Membership,
    Person,
    PersonDistinctId,
    Project,
    ShareLink,
)
from app.rollups.definition import ROLLUPS
from tests.projects.conftest import invite
from tests.projects.test_credentials import make_token, send_events, share

PER_PROJECT_TABLES = [Event.__table__, *(table(rollup.table, column("project_id"))
                                         for rollup in ROLLUPS),
                      Person.__table__, PersonDistinctId.__table__]
OWNED_MODELS = (IngestKey, Invitation, ShareLink, ApiTokenProject, Membership)


def rows_per_table(app, project_id: int) -> dict[str, int]:
    """Stored rows of the project in the events table, every rollup table and every table
    of what a project owns."""
    counts = {}
    with app.app_context():
        for stored in (*PER_PROJECT_TABLES, *(model.__table__ for model in OWNED_MODELS)):
            counts[stored.name] = db.session.execute(
                select(func.count()).select_from(stored)
                .where(stored.c.project_id == project_id)).scalar_one()
    return counts


def project_id(app, slug: str) -> int:
    with app.app_context():
        return db.session.execute(select(Project.id).where(Project.slug == slug)).scalar_one()


def test_deleting_a_project_deletes_its_rows_everywhere_and_only_its(app, team):
    acme, ouroboard = project_id(app, "acme"), project_id(app, "ouroboard")
    raw_key = team.owner.post("/projects/acme/keys", json={"name": "site"}).get_json()["key"]
    send_events(app, raw_key, "acme_signup", "acme_view")
    root_key = team.root.post("/projects/ouroboard/keys", json={"name": "s"}).get_json()["key"]
    send_events(app, root_key, "dashboard_click")
    for key in (raw_key, root_key):
        identified = app.test_client().post("/api/v1/identify", headers={"X-Ouroboard-Key": key},
                                            json={"distinct_id": "same-person"})
        assert identified.status_code == 200
    invite(team.owner, "acme", "viewer")
    share(team.owner)
    make_token(team.viewer, "acme", "ouroboard")
    before = rows_per_table(app, acme)
    assert all(count > 0 for count in before.values()), before
    untouched = rows_per_table(app, ouroboard)

    assert team.owner.delete("/projects/acme").status_code == 204

    assert rows_per_table(app, acme) == dict.fromkeys(before, 0)
    assert rows_per_table(app, ouroboard) == untouched
    refused = app.test_client().post("/api/v1/events", json={"events": [{"name": "late"}]},
                                     headers={"X-Ouroboard-Key": raw_key})
    assert refused.status_code == 401
    assert team.viewer.get("/tokens").get_json()["tokens"][0]["projects"] == ["ouroboard"]


def test_a_deleted_projects_id_is_never_given_to_a_new_project(app, team):
    acme = project_id(app, "acme")
    assert team.owner.delete("/projects/acme").status_code == 204
    assert team.owner.post("/projects", json={"name": "Acme", "slug": "acme"}).status_code == 201
    assert project_id(app, "acme") > acme
    with app.app_context():
        tombstone = db.session.get(Project, acme)
        assert tombstone.slug == f"_deleted_{acme}"
