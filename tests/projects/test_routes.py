"""The projects and members endpoints: every role's status, input checks, and the
stored effect of each change."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Membership, Project
from tests.projects.conftest import Person

ROLES = ("owner", "admin", "viewer", "outsider")


def roles_in(app, slug: str) -> dict[int, str]:
    """{user id: role} of the project's memberships, as stored."""
    with app.app_context():
        rows = db.session.execute(select(Membership.user_id, Membership.role)
                                  .join(Project, Project.id == Membership.project_id)
                                  .where(Project.slug == slug)).all()
    return dict(rows)


# --- Listing and creating ------------------------------------------------------------------


def test_list_shows_the_callers_projects_self_tracking_first(app, team):
    response = team.owner.get("/projects")
    assert response.status_code == 200
    projects = response.get_json()["projects"]
    assert [(p["slug"], p["role"], p["isSelfTracking"]) for p in projects] == [
        ("ouroboard", "viewer", True), ("acme", "owner", False)]
    assert set(projects[1]) == {"slug", "name", "timezone", "role", "isSelfTracking",
                                "publicSharing", "createdAt"}


def test_list_never_shows_other_peoples_projects(app, team):
    slugs = [p["slug"] for p in team.outsider.get("/projects").get_json()["projects"]]
    assert slugs == ["ouroboard", "other"]
    assert "acme" not in team.outsider.get("/projects").get_data(as_text=True)


def test_create_makes_the_caller_owner(app, root):
    response = root.post("/projects", json={"name": "Shop", "slug": "shop",
                                            "timezone": "Europe/Berlin"})
    assert response.status_code == 201
    body = response.get_json()
    assert body | {"createdAt": None} == {
        "slug": "shop", "name": "Shop", "timezone": "Europe/Berlin", "role": "owner",
        "isSelfTracking": False, "publicSharing": False, "sharing": False, "createdAt": None}
    assert roles_in(app, "shop") == {root.id: "owner"}


def test_create_with_a_cookie_session_needs_the_csrf_header(app, root):
    refused = root.client.post("/api/v1/projects", json={"name": "Shop"})
    assert refused.status_code == 401
    assert "CSRF" in refused.get_json()["error"]
    assert root.post("/projects", json={"name": "Shop"}, cookies=True).status_code == 201


def test_create_keeps_a_full_length_name_without_its_outer_spaces(app, root):
    response = root.post("/projects", json={"name": "  " + "N" * 98, "slug": "long"})
    assert response.status_code == 201
    assert response.get_json()["name"] == "N" * 98


def test_create_derives_a_free_slug_from_the_name(app, root):
    first = root.post("/projects", json={"name": "My Shop!"}).get_json()
    second = root.post("/projects", json={"name": "my shop"}).get_json()
    short = root.post("/projects", json={"name": "X"}).get_json()
    assert (first["slug"], second["slug"]) == ("my-shop", "my-shop-2")
    assert first["timezone"] == "UTC"
    assert len(short["slug"]) >= 3


def test_create_refuses_a_taken_slug(app, team):
    response = team.viewer.post("/projects", json={"name": "Mine", "slug": "acme"})
    assert response.status_code == 409
    assert "taken" in response.get_json()["error"]
    assert roles_in(app, "acme")[team.viewer.id] == "viewer"
    assert team.viewer.post("/projects", json={"name": "X", "slug": "ouroboard"}
                            ).status_code == 409


@pytest.mark.parametrize("body", [
    {},
    {"name": ""},
    {"name": "   "},
    {"name": "x" * 101},
    {"name": " " + "x" * 100},      # bounded as sent, before the outer spaces are dropped
    {"name": "\r\u00df" + "*" * 99},
    {"name": 5},
    {"name": "Ok", "slug": "ab"},
    {"name": "Ok", "slug": "x" * 49},
    {"name": "Ok", "slug": "Upper"},
    {"name": "Ok", "slug": "has space"},
    {"name": "Ok", "slug": "under_score"},
    {"name": "Ok", "slug": "new\nline"},
    {"name": "Ok", "timezone": "Mars/Olympus"},
    {"name": "Ok", "timezone": "../etc/passwd"},
    {"name": "Ok", "timezone": ""},
    {"name": "Ok", "surprise": 1},
])
def test_create_rejects_invalid_input(app, root, body):
    response = root.post("/projects", json=body)
    assert response.status_code == 400
    assert "error" in response.get_json()
    assert set(roles_in(app, "ok")) == set()


def test_management_needs_a_session(app, team):
    assert team.owner.client.get("/api/v1/projects").status_code == 200  # the cookie
    anonymous = app.test_client()
    assert anonymous.get("/api/v1/projects").status_code == 401
    assert anonymous.post("/api/v1/projects", json={"name": "X"}).status_code == 401


# --- One project ---------------------------------------------------------------------------


@pytest.mark.parametrize("role, status", [("owner", 200), ("admin", 200), ("viewer", 200),
                                          ("outsider", 404)])
def test_get_by_role(app, team, role, status):
    response = team.by_role(role).get("/projects/acme")
    assert response.status_code == status
    if status == 200:
        assert response.get_json()["role"] == role
        assert response.get_json()["sharing"] is False
    else:
        assert response.get_json() == {"error": "No project 'acme'"}


def test_get_unknown_and_malformed_slugs_are_404(app, team):
    for slug in ("nope", "x" * 300, "_deleted_1", "ACME"):
        assert team.owner.get(f"/projects/{slug}").status_code == 404


@pytest.mark.parametrize("role, status", [("owner", 200), ("admin", 200), ("viewer", 403),
                                          ("outsider", 404)])
def test_update_by_role(app, team, role, status):
    response = team.by_role(role).patch("/projects/acme", json={
        "name": "Acme Inc", "timezone": "Asia/Kolkata"})
    assert response.status_code == status
    with app.app_context():
        stored = db.session.execute(select(Project.name, Project.timezone)
                                    .where(Project.slug == "acme")).one()
    if status == 200:
        assert response.get_json()["name"] == "Acme Inc"
        assert tuple(stored) == ("Acme Inc", "Asia/Kolkata")
    else:
        assert tuple(stored) == ("Acme", "UTC")


@pytest.mark.parametrize("role, status", [("owner", 200), ("admin", 200), ("viewer", 403),
                                          ("outsider", 404)])
def test_public_sharing_is_switched_by_admins(app, team, role, status):
    response = team.by_role(role).patch("/projects/acme", json={"publicSharing": True})
    assert response.status_code == status
    with app.app_context():
        stored = db.session.execute(select(Project.name, Project.public_sharing)
                                    .where(Project.slug == "acme")).one()
    assert tuple(stored) == ("Acme", status == 200)
    if status == 200:
        assert response.get_json()["publicSharing"] is True
        assert team.viewer.get("/projects/acme").get_json()["publicSharing"] is True


def test_update_changes_only_what_is_given(app, team):
    response = team.admin.patch("/projects/acme", json={"timezone": "America/St_Johns"})
    assert response.status_code == 200
    assert (response.get_json()["name"], response.get_json()["timezone"]) == (
        "Acme", "America/St_Johns")
    assert team.admin.patch("/projects/acme", json={}).status_code == 200


@pytest.mark.parametrize("body", [{"name": ""}, {"timezone": "Nowhere/City"},
                                  {"slug": "renamed"}, {"name": None},
                                  {"publicSharing": "true"}, {"publicSharing": None},
                                  {"name": "x" * 100 + "\t"}])
def test_update_rejects_invalid_input(app, team, body):
    assert team.owner.patch("/projects/acme", json=body).status_code == 400


@pytest.mark.parametrize("role, status", [("owner", 204), ("admin", 403), ("viewer", 403),
                                          ("outsider", 404)])
def test_delete_by_role(app, team, role, status):
    response = team.by_role(role).delete("/projects/acme")
    assert response.status_code == status
    assert (roles_in(app, "acme") == {}) is (status == 204)


def test_deleted_projects_slug_may_be_reused(app, team):
    assert team.owner.delete("/projects/acme").status_code == 204
    assert team.admin.get("/projects/acme").status_code == 404
    again = team.outsider.post("/projects", json={"name": "Acme again", "slug": "acme"})
    assert again.status_code == 201
    assert roles_in(app, "acme") == {team.outsider.id: "owner"}
    assert team.owner.get("/projects/acme").status_code == 404


def test_the_self_tracking_project_cannot_be_deleted(app, team):
    assert team.owner.delete("/projects/ouroboard").status_code == 403
    response = team.root.delete("/projects/ouroboard")
    assert response.status_code == 409
    assert team.root.get("/projects/ouroboard").status_code == 200


# --- Transfer and leave --------------------------------------------------------------------


def test_transfer_makes_the_member_owner_and_the_owner_admin(app, team):
    response = team.owner.post("/projects/acme/transfer", json={"userId": team.viewer.id})
    assert response.status_code == 200
    assert response.get_json()["role"] == "admin"
    roles = roles_in(app, "acme")
    assert (roles[team.viewer.id], roles[team.owner.id]) == ("owner", "admin")
    assert team.owner.delete("/projects/acme").status_code == 403


@pytest.mark.parametrize("role, status", [("owner", 200), ("admin", 403), ("viewer", 403),
                                          ("outsider", 404)])
def test_transfer_by_role(app, team, role, status):
    response = team.by_role(role).post("/projects/acme/transfer",
                                       json={"userId": team.admin.id})
    assert response.status_code == status


def test_transfer_needs_a_member(app, team):
    response = team.owner.post("/projects/acme/transfer", json={"userId": team.outsider.id})
    assert response.status_code == 404
    assert team.owner.post("/projects/acme/transfer",
                           json={"userId": team.owner.id}).status_code == 409
    for body in ({}, {"userId": "2"}, {"userId": 0}, {"userId": 2**40}, {"userId": None}):
        assert team.owner.post("/projects/acme/transfer", json=body).status_code == 400
    assert roles_in(app, "acme")[team.owner.id] == "owner"


@pytest.mark.parametrize("role, status", [("owner", 409), ("admin", 204), ("viewer", 204),
                                          ("outsider", 404)])
def test_leave_by_role(app, team, role, status):
    person = team.by_role(role)
    response = person.post("/projects/acme/leave")
    assert response.status_code == status
    assert (person.id in roles_in(app, "acme")) is (role == "owner")


def test_after_leaving_the_project_is_gone_for_the_member(app, team):
    assert team.viewer.post("/projects/acme/leave").status_code == 204
    assert team.viewer.get("/projects/acme").status_code == 404
    assert team.viewer.get("/analytics?project=acme").status_code == 404


# --- Members -------------------------------------------------------------------------------


@pytest.mark.parametrize("role, status", [("owner", 200), ("admin", 200), ("viewer", 403),
                                          ("outsider", 404)])
def test_list_members_by_role(app, team, role, status):
    response = team.by_role(role).get("/projects/acme/members")
    assert response.status_code == status
    if status == 200:
        members = response.get_json()["members"]
        assert [(m["userId"], m["username"], m["role"]) for m in members] == [
            (team.owner.id, "olivia", "owner"), (team.admin.id, "adam", "admin"),
            (team.viewer.id, "vera", "viewer")]
        assert all(member["joinedAt"] for member in members)
    assert "oscar" not in response.get_data(as_text=True)


@pytest.mark.parametrize("role, status", [("owner", 200), ("admin", 200), ("viewer", 403),
                                          ("outsider", 404)])
def test_change_role_by_role(app, team, role, status):
    response = team.by_role(role).patch(f"/projects/acme/members/{team.viewer.id}",
                                        json={"role": "admin"})
    assert response.status_code == status
    stored = roles_in(app, "acme")[team.viewer.id]
    if status == 200:
        assert response.get_json() | {"joinedAt": None} == {
            "userId": team.viewer.id, "username": "vera", "role": "admin", "joinedAt": None}
    assert stored == ("admin" if status == 200 else "viewer")


def test_nobody_changes_the_owners_role(app, team):
    for person in (team.owner, team.admin):
        response = person.patch(f"/projects/acme/members/{team.owner.id}",
                                json={"role": "viewer"})
        assert response.status_code == 409
    assert team.admin.patch(f"/projects/acme/members/{team.viewer.id}",
                            json={"role": "owner"}).status_code == 400
    assert roles_in(app, "acme")[team.owner.id] == "owner"
    assert roles_in(app, "acme")[team.viewer.id] == "viewer"


@pytest.mark.parametrize("body", [{}, {"role": "boss"}, {"role": None}, {"role": ["admin"]}])
def test_change_role_rejects_invalid_input(app, team, body):
    assert team.owner.patch(f"/projects/acme/members/{team.viewer.id}",
                            json=body).status_code == 400


def test_change_role_of_a_non_member_is_404(app, team):
    for user_id in (team.outsider.id, 99999, 2**40):
        assert team.owner.patch(f"/projects/acme/members/{user_id}",
                                json={"role": "admin"}).status_code == 404
    assert team.owner.patch("/projects/acme/members/abc", json={"role": "admin"}
                            ).status_code == 404


@pytest.mark.parametrize("role, status", [("owner", 204), ("admin", 204), ("viewer", 403),
                                          ("outsider", 404)])
def test_remove_member_by_role(app, team, role, status):
    response = team.by_role(role).delete(f"/projects/acme/members/{team.viewer.id}")
    assert response.status_code == status
    assert (team.viewer.id in roles_in(app, "acme")) is (status != 204)


def test_the_owner_cannot_be_removed(app, team):
    assert team.admin.delete(f"/projects/acme/members/{team.owner.id}").status_code == 409
    assert team.admin.delete(f"/projects/acme/members/{team.outsider.id}").status_code == 404
    assert roles_in(app, "acme")[team.owner.id] == "owner"


def test_a_removed_member_loses_access_at_once(app, team):
    assert team.viewer.get("/analytics?project=acme").status_code == 200
    assert team.admin.delete(f"/projects/acme/members/{team.viewer.id}").status_code == 204
    assert team.viewer.get("/projects/acme").status_code == 404
    assert team.viewer.get("/analytics?project=acme").status_code == 404


def test_the_first_account_is_instance_admin_and_owns_ouroboard(app, root):
    me = root.get("/me").get_json()
    assert me["isInstanceAdmin"] is True
    assert root.get("/projects/ouroboard").get_json()["role"] == "owner"
    later = Person(app, "later")
    assert later.get("/me").get_json()["isInstanceAdmin"] is False
    assert later.get("/projects/ouroboard").get_json()["role"] == "viewer"
