"""Invitations (create, list, revoke, look up, accept) and registration modes."""

import os
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import Invitation, User, utcnow
from config import ProductionConfig
from tests.projects.conftest import Person, invite
from tests.projects.test_routes import roles_in


def expire(app, invitation_id: int) -> None:
    """Move an invitation's expiry into the past."""
    with app.app_context():
        db.session.execute(update(Invitation).where(Invitation.id == invitation_id)
                           .values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def stored_invitation(app, invitation_id: int) -> Invitation:
    with app.app_context():
        found = db.session.get(Invitation, invitation_id)
        db.session.expunge(found)
        return found


# --- Create --------------------------------------------------------------------------------


@pytest.mark.parametrize("role, status", [("owner", 201), ("admin", 201), ("viewer", 403),
                                          ("outsider", 404)])
def test_create_by_role(app, team, role, status):
    response = team.by_role(role).post("/projects/acme/invitations", json={"role": "viewer"})
    assert response.status_code == status
    if status == 201:
        body = response.get_json()
        assert set(body) == {"id", "role", "expiresAt", "createdAt", "token", "acceptUrl"}
        assert body["token"].startswith("obi_") and len(body["token"]) == 47
        assert body["acceptUrl"] == f"/invite/{body['token']}"
        stored = stored_invitation(app, body["id"])
        assert stored.token_hash != body["token"] and len(stored.token_hash) == 64
        assert stored.expires_at - stored.created_at == timedelta(days=7)
        assert stored.created_by == team.by_role(role).id


def test_create_with_an_expiry(app, team):
    body = invite(team.admin, "acme", "admin", expiresInDays=30)
    stored = stored_invitation(app, body["id"])
    assert (stored.role, stored.expires_at - stored.created_at) == ("admin", timedelta(days=30))


@pytest.mark.parametrize("body", [{}, {"role": "owner"}, {"role": "boss"},
                                  {"role": "viewer", "expiresInDays": 0},
                                  {"role": "viewer", "expiresInDays": 31},
                                  {"role": "viewer", "expiresInDays": "7"},
                                  {"role": "viewer", "expiresInDays": 1.5}])
def test_create_rejects_invalid_input(app, team, body):
    assert team.owner.post("/projects/acme/invitations", json=body).status_code == 400


# --- List and revoke -----------------------------------------------------------------------


@pytest.mark.parametrize("role, status", [("owner", 200), ("admin", 200), ("viewer", 403),
                                          ("outsider", 404)])
def test_list_by_role(app, team, role, status):
    response = team.by_role(role).get("/projects/acme/invitations")
    assert response.status_code == status
    if status == 200:
        invitations = response.get_json()["invitations"]
        assert [(i["role"], i["status"], i["createdBy"]) for i in invitations] == [
            ("viewer", "accepted", "olivia"), ("admin", "accepted", "olivia")]
        assert "token" not in invitations[0]


def test_list_shows_each_status(app, team):
    pending = invite(team.owner, "acme", "viewer")
    revoked = invite(team.owner, "acme", "viewer")
    expired = invite(team.owner, "acme", "admin")
    assert team.owner.delete(f"/projects/acme/invitations/{revoked['id']}").status_code == 204
    expire(app, expired["id"])
    statuses = {item["id"]: item["status"]
                for item in team.admin.get("/projects/acme/invitations").get_json()["invitations"]}
    assert (statuses[pending["id"]], statuses[revoked["id"]], statuses[expired["id"]]) == (
        "pending", "revoked", "expired")
    other = team.outsider.get("/projects/other/invitations").get_json()["invitations"]
    assert other == []


@pytest.mark.parametrize("role, status", [("owner", 204), ("admin", 204), ("viewer", 403),
                                          ("outsider", 404)])
def test_revoke_by_role(app, team, role, status):
    body = invite(team.owner, "acme", "viewer")
    response = team.by_role(role).delete(f"/projects/acme/invitations/{body['id']}")
    assert response.status_code == status
    assert (stored_invitation(app, body["id"]).revoked_at is not None) is (status == 204)


def test_revoke_only_the_projects_own_invitations(app, team):
    theirs = invite(team.outsider, "other", "viewer")
    assert team.owner.delete(f"/projects/acme/invitations/{theirs['id']}").status_code == 404
    assert stored_invitation(app, theirs["id"]).revoked_at is None
    for bad_id in ("99999", str(2**40), "x"):
        assert team.owner.delete(f"/projects/acme/invitations/{bad_id}").status_code == 404


# --- Look up and accept --------------------------------------------------------------------


def test_look_up_needs_no_sign_in(app, team):
    body = invite(team.owner, "acme", "admin")
    response = app.test_client().get(f"/api/v1/invitations/{body['token']}")
    assert response.status_code == 200
    assert response.get_json() == {"project": {"slug": "acme", "name": "Acme"},
                                   "role": "admin", "expiresAt": body["expiresAt"]}


def test_accept_makes_a_member_and_uses_the_invitation(app, team):
    body = invite(team.owner, "acme", "admin")
    newcomer = Person(app, "nina")
    response = newcomer.post(f"/invitations/{body['token']}/accept")
    assert response.status_code == 200
    assert (response.get_json()["slug"], response.get_json()["role"]) == ("acme", "admin")
    assert roles_in(app, "acme")[newcomer.id] == "admin"
    stored = stored_invitation(app, body["id"])
    assert (stored.accepted_by, stored.accepted_at is not None) == (newcomer.id, True)
    # Used: nobody else can use it, nor look it up.
    assert Person(app, "nora").post(f"/invitations/{body['token']}/accept").status_code == 404
    assert newcomer.get(f"/invitations/{body['token']}").status_code == 404


def test_accept_with_a_cookie_session_needs_the_csrf_header(app, team):
    body = invite(team.owner, "acme", "viewer")
    newcomer = Person(app, "nina")
    assert newcomer.client.post(f"/api/v1/invitations/{body['token']}/accept"
                                ).status_code == 401
    assert newcomer.post(f"/invitations/{body['token']}/accept", cookies=True
                         ).status_code == 200


def test_accept_needs_a_session(app, team):
    body = invite(team.owner, "acme", "viewer")
    assert app.test_client().post(f"/api/v1/invitations/{body['token']}/accept"
                                  ).status_code == 401
    assert stored_invitation(app, body["id"]).accepted_at is None


def test_a_member_keeps_their_role_and_the_invitation_stays_open(app, team):
    body = invite(team.owner, "acme", "admin")
    response = team.viewer.post(f"/invitations/{body['token']}/accept")
    assert response.status_code == 200
    assert response.get_json()["role"] == "viewer"
    assert stored_invitation(app, body["id"]).accepted_at is None
    assert app.test_client().get(f"/api/v1/invitations/{body['token']}").status_code == 200


@pytest.mark.parametrize("spoil", ["revoke", "expire", "use", "delete project"])
def test_a_revoked_expired_used_or_orphaned_invitation_is_404(app, team, spoil):
    body = invite(team.owner, "acme", "viewer")
    if spoil == "revoke":
        team.admin.delete(f"/projects/acme/invitations/{body['id']}")
    elif spoil == "expire":
        expire(app, body["id"])
    elif spoil == "use":
        Person(app, "first").post(f"/invitations/{body['token']}/accept")
    else:
        team.owner.delete("/projects/acme")
    newcomer = Person(app, "late")
    assert app.test_client().get(f"/api/v1/invitations/{body['token']}").status_code == 404
    response = newcomer.post(f"/invitations/{body['token']}/accept")
    assert response.status_code == 404
    assert "unknown, used, revoked or expired" in response.get_json()["error"]
    assert newcomer.id not in roles_in(app, "acme")


@pytest.mark.parametrize("token", ["obi_unknown", "nope", "obi_" + "x" * 300, "obs_abc"])
def test_unknown_tokens_are_404(app, team, token):
    assert app.test_client().get(f"/api/v1/invitations/{token}").status_code == 404
    assert team.viewer.post(f"/invitations/{token}/accept").status_code == 404


def test_token_endpoints_are_rate_limited_per_address(make_app):
    app = make_app(AUTH_RATE_LIMIT_PER_IP="3 per minute")
    client = app.test_client()
    guess = "obi_" + "g" * 43  # well-formed: a malformed one is not even routed (404)
    statuses = [client.get(f"/api/v1/invitations/{guess}").status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
    assert client.get("/api/v1/invitations/obi_short").status_code == 404
    assert client.get("/api/v1/share", headers={"X-Ouroboard-Share": "obs_x"}
                      ).status_code == 401


# --- Registration --------------------------------------------------------------------------


def register(app, username: str, invitation: str | None = None):
    body = {"username": username, "password": "correct horse battery", "age": 30,
            "gender": "Other"}
    if invitation is not None:
        body["invitation"] = invitation
    return app.test_client().post("/api/v1/register", json=body)


def user_count(app) -> int:
    with app.app_context():
        return len(db.session.execute(select(User.id)).all())


@pytest.mark.parametrize("mode", ["open", "invite", "closed"])
def test_the_first_account_may_always_register(make_app, mode):
    app = make_app(REGISTRATION=mode)
    status = app.test_client().get("/api/v1/registration").get_json()
    assert status == {"mode": mode, "firstAccount": True}
    response = register(app, "first")
    assert response.status_code == 201
    assert app.test_client().get("/api/v1/registration").get_json()["firstAccount"] is False
    with app.app_context():
        assert db.session.execute(select(User.is_instance_admin)).scalar_one() is True


def test_open_registration_lets_anyone_in(make_app):
    app = make_app(REGISTRATION="open")
    assert register(app, "first").status_code == 201
    assert register(app, "second").status_code == 201


def test_invite_registration_needs_an_invitation(make_app):
    app = make_app(REGISTRATION="invite", NEW_ACCOUNTS_JOIN_SELF_TRACKING=False)
    root = Person(app, "root")
    refused = register(app, "stranger")
    assert refused.status_code == 403
    assert refused.get_json()["error"] == "Registration needs an invitation"
    assert register(app, "stranger", "obi_forged").status_code == 404
    assert user_count(app) == 1
    body = invite(root, "ouroboard", "viewer")
    response = register(app, "invited", body["token"])
    assert response.status_code == 201
    invited_id = response.get_json()["user"]["id"]
    assert roles_in(app, "ouroboard")[invited_id] == "viewer"
    assert register(app, "again", body["token"]).status_code == 404


def test_registering_with_an_invitation_joins_its_project(make_app):
    app = make_app(REGISTRATION="invite", NEW_ACCOUNTS_JOIN_SELF_TRACKING=False)
    root = Person(app, "root")
    assert root.post("/projects", json={"name": "Acme", "slug": "acme"}).status_code == 201
    body = invite(root, "acme", "admin")
    newcomer = Person(app, "nina", invitation=body["token"])
    projects = newcomer.get("/projects").get_json()["projects"]
    assert [(p["slug"], p["role"]) for p in projects] == [("acme", "admin")]
    assert stored_invitation(app, body["id"]).accepted_by == newcomer.id


def test_an_invitation_to_the_self_tracking_project_gives_its_role(make_app):
    app = make_app(REGISTRATION="open", NEW_ACCOUNTS_JOIN_SELF_TRACKING=True)
    root = Person(app, "root")
    body = invite(root, "ouroboard", "admin")
    newcomer = Person(app, "nina", invitation=body["token"])
    assert newcomer.get("/projects/ouroboard").get_json()["role"] == "admin"


def test_closed_registration_refuses_everyone_after_the_first(make_app):
    app = make_app(REGISTRATION="closed")
    root = Person(app, "root")
    body = invite(root, "ouroboard", "viewer")
    for invitation in (None, body["token"]):
        response = register(app, "someone", invitation)
        assert response.status_code == 403
        assert response.get_json()["error"] == "Registration is closed"
    assert user_count(app) == 1


def test_open_registration_refuses_an_invalid_invitation(make_app):
    app = make_app(REGISTRATION="open")
    Person(app, "root")
    assert register(app, "someone", "obi_forged").status_code == 404
    assert register(app, "someone", "").status_code == 400
    assert user_count(app) == 1


def test_development_accounts_join_the_self_tracking_project(make_app):
    app = make_app(NEW_ACCOUNTS_JOIN_SELF_TRACKING=True)
    Person(app, "root")
    later = Person(app, "later")
    assert [p["slug"] for p in later.get("/projects").get_json()["projects"]] == ["ouroboard"]
    assert later.get("/analytics").status_code == 200


@pytest.mark.skipif(bool(os.environ.get("REGISTRATION") or os.environ.get("DEMO_MODE")),
                    reason="REGISTRATION or DEMO_MODE set in this environment")
def test_production_defaults_are_invite_only_and_join_nothing():
    assert ProductionConfig.REGISTRATION == "invite"
    assert ProductionConfig.NEW_ACCOUNTS_JOIN_SELF_TRACKING is False


def test_production_accounts_join_nothing_uninvited(make_app):
    app = make_app(REGISTRATION="open",
                   NEW_ACCOUNTS_JOIN_SELF_TRACKING=ProductionConfig.NEW_ACCOUNTS_JOIN_SELF_TRACKING)
    root = Person(app, "root")
    later = Person(app, "later")
    assert later.get("/projects").get_json()["projects"] == []
    assert later.get("/projects/ouroboard").status_code == 404
    assert later.get("/analytics").status_code == 404
    assert root.get("/projects/ouroboard").get_json()["role"] == "owner"




def test_register_takes_a_null_invitation_as_none(app, root):
    """The generated client types say `string | null`; null means no invitation."""
    response = app.test_client().post("/api/v1/register", json={
        "username": "nullable", "password": "correct horse battery", "age": 30,
        "gender": "Female", "invitation": None})
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("how", ["removed", "demoted"])
def test_an_admin_who_loses_the_role_cannot_come_back_through_their_own_invitation(
        app, team, how):
    token = invite(team.admin, "acme", "admin")["token"]
    if how == "removed":
        assert team.owner.delete(f"/projects/acme/members/{team.admin.id}").status_code == 204
    else:
        assert team.owner.patch(f"/projects/acme/members/{team.admin.id}",
                                json={"role": "viewer"}).status_code == 200
    if how == "removed":
        assert team.admin.post(f"/invitations/{token}/accept").status_code == 404
    listed = team.owner.get("/projects/acme/invitations").get_json()["invitations"]
    made_by_admin = [item for item in listed if item["createdBy"] == team.admin.username]
    assert made_by_admin and all(item["status"] == "revoked" for item in made_by_admin)
    assert team.admin.get("/analytics?project=acme").status_code == (
        404 if how == "removed" else 200)
