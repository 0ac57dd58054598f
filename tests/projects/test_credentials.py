"""Ingestion keys and share links of a project, GET /share, and read-only API tokens:
each role's status, tokens shown once and stored hashed, and revocation that takes effect
at once (also with Redis caching on)."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ApiToken, IngestKey, ShareLink
from app.projects.access import hash_secret
from tests.projects.conftest import Person

ROLE_STATUSES = {"owner": "ok", "admin": "ok", "viewer": 403, "outsider": 404}


def expected(role: str, ok: int) -> int:
    status = ROLE_STATUSES[role]
    return ok if status == "ok" else status


def send_events(app, raw_key: str, *names: str) -> None:
    response = app.test_client().post("/api/v1/events", headers={"X-Ouroboard-Key": raw_key},
                                      json={"events": [{"name": name, "anonymous_id": "visitor"}
                                                       for name in names]})
    assert response.status_code == 202, response.get_json()


def feature_counts(person: Person, slug: str, **headers) -> dict[str, int]:
    response = person.client.get(f"/api/v1/analytics?project={slug}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return {bar["feature"]: bar["count"] for bar in response.get_json()["barChartData"]}


# --- Ingestion keys ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLE_STATUSES)
def test_create_key_by_role(app, team, role):
    response = team.by_role(role).post("/projects/acme/keys", json={"name": "site"})
    assert response.status_code == expected(role, 201)
    if response.status_code == 201:
        body = response.get_json()
        assert body["key"].startswith("obk_") and body["prefix"] == body["key"][:12]
        assert (body["name"], body["allowsImport"], body["lastUsedAt"], body["revokedAt"]) == (
            "site", False, None, None)
        with app.app_context():
            stored = db.session.get(IngestKey, body["id"])
            assert stored.key_hash == hash_secret(body["key"])
            assert stored.key_hash != body["key"]


@pytest.mark.parametrize("role", ROLE_STATUSES)
def test_list_keys_by_role(app, team, role):
    team.owner.post("/projects/acme/keys", json={"name": "site", "allowsImport": True})
    team.outsider.post("/projects/other/keys", json={"name": "elsewhere"})
    response = team.by_role(role).get("/projects/acme/keys")
    assert response.status_code == expected(role, 200)
    if response.status_code == 200:
        keys = response.get_json()["keys"]
        assert [(key["name"], key["allowsImport"]) for key in keys] == [("site", True)]
        assert set(keys[0]) == {"id", "name", "prefix", "createdAt", "lastUsedAt",
                                "revokedAt", "allowsImport", "siteDomain"}
    assert "elsewhere" not in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ROLE_STATUSES)
def test_revoke_key_by_role(app, team, role):
    created = team.owner.post("/projects/acme/keys", json={"name": "site"}).get_json()
    response = team.by_role(role).delete(f"/projects/acme/keys/{created['id']}")
    assert response.status_code == expected(role, 204)
    with app.app_context():
        revoked = db.session.get(IngestKey, created["id"]).revoked_at is not None
    assert revoked is (response.status_code == 204)


def test_key_names_are_unique_per_project(app, team):
    assert team.owner.post("/projects/acme/keys", json={"name": "site"}).status_code == 201
    assert team.owner.post("/projects/acme/keys", json={"name": "site"}).status_code == 409
    assert team.outsider.post("/projects/other/keys", json={"name": "site"}).status_code == 201


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "x" * 65}, {"name": 3},
                                  {"name": "ok", "allowsImport": "maybe"}])
def test_create_key_rejects_invalid_input(app, team, body):
    assert team.owner.post("/projects/acme/keys", json=body).status_code == 400


def test_a_keys_events_land_in_its_project(app, team):
    raw_key = team.owner.post("/projects/acme/keys", json={"name": "site"}).get_json()["key"]
    send_events(app, raw_key, "acme_signup", "acme_signup", "acme_view")
    assert feature_counts(team.viewer, "acme") == {"acme_signup": 2, "acme_view": 1}
    assert "acme_signup" not in feature_counts(team.viewer, "ouroboard")
    assert team.outsider.get("/analytics?project=acme").status_code == 404


def test_a_keys_last_use_is_recorded(app, team):
    created = team.owner.post("/projects/acme/keys", json={"name": "site"}).get_json()
    send_events(app, created["key"], "acme_view")
    send_events(app, created["key"], "acme_view")
    listed = team.admin.get("/projects/acme/keys").get_json()["keys"][0]
    assert listed["lastUsedAt"] is not None


def test_a_revoked_key_is_refused_at_once(app, team):
    created = team.owner.post("/projects/acme/keys", json={"name": "site"}).get_json()
    send_events(app, created["key"], "acme_view")
    assert team.admin.delete(f"/projects/acme/keys/{created['id']}").status_code == 204
    refused = app.test_client().post("/api/v1/events", json={"events": [{"name": "late"}]},
                                     headers={"X-Ouroboard-Key": created["key"]})
    assert refused.status_code == 401
    assert team.admin.get("/projects/acme/keys").get_json()["keys"][0]["revokedAt"]


def test_keys_of_another_project_cannot_be_revoked(app, team):
    theirs = team.outsider.post("/projects/other/keys", json={"name": "site"}).get_json()
    for key_id in (theirs["id"], 99999, 2**40):
        assert team.owner.delete(f"/projects/acme/keys/{key_id}").status_code == 404
    with app.app_context():
        assert db.session.get(IngestKey, theirs["id"]).revoked_at is None


# --- Share links ---------------------------------------------------------------------------


def share(person: Person, slug: str = "acme") -> dict:
    response = person.post(f"/projects/{slug}/share-links")
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("role", ROLE_STATUSES)
def test_create_share_link_by_role(app, team, role):
    response = team.by_role(role).post("/projects/acme/share-links")
    assert response.status_code == expected(role, 201)
    if response.status_code == 201:
        body = response.get_json()
        assert body["token"].startswith("obs_") and len(body["token"]) == 47
        assert (body["prefix"], body["url"]) == (body["token"][:12], f"/share/{body['token']}")
        with app.app_context():
            stored = db.session.get(ShareLink, body["id"])
            assert (stored.token_hash, stored.token_prefix) == (hash_secret(body["token"]),
                                                                 body["token"][:12])
        assert team.viewer.get("/projects/acme").get_json()["sharing"] is True


@pytest.mark.parametrize("role", ROLE_STATUSES)
def test_list_share_links_by_role(app, team, role):
    link = share(team.owner)
    share(team.outsider, "other")
    response = team.by_role(role).get("/projects/acme/share-links")
    assert response.status_code == expected(role, 200)
    if response.status_code == 200:
        assert response.get_json() == {"shareLinks": [
            {"id": link["id"], "prefix": link["prefix"], "createdAt": link["createdAt"]}]}


@pytest.mark.parametrize("role", ROLE_STATUSES)
def test_revoke_share_link_by_role(app, team, role):
    link = share(team.owner)
    response = team.by_role(role).delete(f"/projects/acme/share-links/{link['id']}")
    assert response.status_code == expected(role, 204)
    still_open = app.test_client().get("/api/v1/share",
                                       headers={"X-Ouroboard-Share": link["token"]})
    assert still_open.status_code == (401 if response.status_code == 204 else 200)


def test_share_opens_its_project_without_sign_in(app, team):
    link = share(team.admin)
    response = app.test_client().get("/api/v1/share", headers={"X-Ouroboard-Share": link["token"]})
    assert response.status_code == 200
    assert response.get_json() == {"project": {"slug": "acme", "name": "Acme",
                                               "timezone": "UTC"}}


@pytest.mark.parametrize("headers", [{}, {"X-Ouroboard-Share": "obs_forged"},
                                     {"X-Ouroboard-Share": "x" * 500},
                                     {"X-Ouroboard-Share": ""}])
def test_share_refuses_missing_and_unknown_links(app, team, headers):
    response = app.test_client().get("/api/v1/share", headers=headers)
    assert response.status_code == 401
    assert "share link" in response.get_json()["error"]


def test_revoking_a_share_link_ends_reading_at_once(app, team):
    raw_key = team.owner.post("/projects/acme/keys", json={"name": "site"}).get_json()["key"]
    send_events(app, raw_key, "acme_view")
    link = share(team.owner)
    reader = app.test_client()
    headers = {"X-Ouroboard-Share": link["token"]}
    assert reader.get("/api/v1/analytics?project=acme", headers=headers).status_code == 200
    assert reader.get("/api/v1/analytics?project=other", headers=headers).status_code == 404
    assert team.admin.delete(f"/projects/acme/share-links/{link['id']}").status_code == 204
    assert reader.get("/api/v1/analytics?project=acme", headers=headers).status_code == 401
    assert reader.get("/api/v1/share", headers=headers).status_code == 401
    assert team.admin.get("/projects/acme/share-links").get_json()["shareLinks"] == []
    assert team.admin.get("/projects/acme").get_json()["sharing"] is False


# --- API tokens ----------------------------------------------------------------------------


def make_token(person: Person, *slugs: str, name: str = "script") -> dict:
    response = person.post("/tokens", json={"name": name, "projects": list(slugs)})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_create_token_for_the_callers_projects(app, team):
    body = make_token(team.viewer, "acme", "ouroboard")
    assert body["token"].startswith("obt_") and len(body["token"]) == 47
    assert (body["name"], body["prefix"], body["projects"], body["lastUsedAt"]) == (
        "script", body["token"][:12], ["acme", "ouroboard"], None)
    with app.app_context():
        stored = db.session.get(ApiToken, body["id"])
        assert (stored.user_id, stored.token_hash) == (team.viewer.id, hash_secret(body["token"]))


def test_a_token_for_a_project_the_caller_is_not_in_is_404(app, team):
    response = team.viewer.post("/tokens", json={"name": "s", "projects": ["acme", "other"]})
    assert response.status_code == 404
    assert response.get_json()["error"] == "No project 'other'"
    with app.app_context():
        assert db.session.execute(select(ApiToken.id)).first() is None


@pytest.mark.parametrize("body", [{}, {"name": "s"}, {"name": "s", "projects": []},
                                  {"name": "", "projects": ["acme"]},
                                  {"name": "s", "projects": "acme"},
                                  {"name": "s", "projects": ["ACME"]},
                                  {"name": "s", "projects": [f"p{n:03}" for n in range(51)]}])
def test_create_token_rejects_invalid_input(app, team, body):
    assert team.viewer.post("/tokens", json=body).status_code == 400


def test_list_tokens_shows_only_the_callers_active_ones(app, team):
    mine = make_token(team.viewer, "acme", name="mine")
    revoked = make_token(team.viewer, "acme", name="old")
    make_token(team.owner, "acme", name="theirs")
    assert team.viewer.delete(f"/tokens/{revoked['id']}").status_code == 204
    response = team.viewer.get("/tokens")
    assert response.status_code == 200
    assert response.get_json() == {"tokens": [{
        "id": mine["id"], "name": "mine", "prefix": mine["prefix"], "projects": ["acme"],
        "createdAt": mine["createdAt"], "lastUsedAt": None}]}


def test_another_users_token_cannot_be_revoked(app, team):
    theirs = make_token(team.owner, "acme")
    for token_id in (theirs["id"], 99999, 2**40):
        assert team.viewer.delete(f"/tokens/{token_id}").status_code == 404
    with app.app_context():
        assert db.session.get(ApiToken, theirs["id"]).revoked_at is None


def test_a_token_reads_its_projects_only_and_stops_at_once(app, team):
    token = make_token(team.admin, "acme")
    bearer = {"Authorization": f"Bearer {token['token']}"}
    reader = app.test_client()
    assert reader.get("/api/v1/analytics?project=acme", headers=bearer).status_code == 200
    assert reader.get("/api/v1/analytics?project=ouroboard", headers=bearer).status_code == 404
    assert team.admin.get("/tokens").get_json()["tokens"][0]["lastUsedAt"] is not None
    assert team.admin.delete(f"/tokens/{token['id']}").status_code == 204
    assert reader.get("/api/v1/analytics?project=acme", headers=bearer).status_code == 401


def test_a_removed_members_token_stops_reading_at_once(app, team):
    token = make_token(team.viewer, "acme", "ouroboard")
    bearer = {"Authorization": f"Bearer {token['token']}"}
    reader = app.test_client()
    assert team.owner.delete(f"/projects/acme/members/{team.viewer.id}").status_code == 204
    assert reader.get("/api/v1/analytics?project=acme", headers=bearer).status_code == 404
    assert reader.get("/api/v1/analytics?project=ouroboard", headers=bearer).status_code == 200
    assert team.viewer.get("/tokens").get_json()["tokens"][0]["projects"] == ["ouroboard"]
    # Invited again, the member does not get the project back into the old token.
    token_body = team.owner.post("/projects/acme/invitations", json={"role": "viewer"})
    team.viewer.post(f"/invitations/{token_body.get_json()['token']}/accept")
    assert reader.get("/api/v1/analytics?project=acme", headers=bearer).status_code == 404


# --- Share links and tokens never manage anything ------------------------------------------


MANAGEMENT = [("GET", "/projects"), ("POST", "/projects"), ("GET", "/projects/acme"),
              ("PATCH", "/projects/acme"), ("DELETE", "/projects/acme"),
              ("POST", "/projects/acme/transfer"), ("POST", "/projects/acme/leave"),
              ("GET", "/projects/acme/members"), ("PATCH", "/projects/acme/members/{owner}"),
              ("DELETE", "/projects/acme/members/{viewer}"),
              ("GET", "/projects/acme/invitations"), ("POST", "/projects/acme/invitations"),
              ("DELETE", "/projects/acme/invitations/1"),
              ("POST", "/invitations/{invitation}/accept"),
              ("GET", "/projects/acme/keys"), ("POST", "/projects/acme/keys"),
              ("DELETE", "/projects/acme/keys/{key}"),
              ("GET", "/projects/acme/share-links"), ("POST", "/projects/acme/share-links"),
              ("DELETE", "/projects/acme/share-links/{link}"),
              ("GET", "/tokens"), ("POST", "/tokens"), ("DELETE", "/tokens/{token}")]


@pytest.mark.parametrize("method, path", MANAGEMENT)
def test_share_links_api_tokens_and_strangers_manage_nothing(app, team, method, path):
    link = share(team.owner)
    token = make_token(team.owner, "acme")
    key = team.owner.post("/projects/acme/keys", json={"name": "site"}).get_json()
    invitation = team.owner.post("/projects/acme/invitations", json={"role": "admin"})
    path = path.format(owner=team.owner.id, viewer=team.viewer.id, key=key["id"],
                       link=link["id"], token=token["id"],
                       invitation=invitation.get_json()["token"])
    body = {"name": "Hijack", "projects": ["acme"], "role": "admin", "userId": team.admin.id}
    stranger = app.test_client()
    for headers in ({"X-Ouroboard-Share": link["token"]},
                    {"Authorization": f"Bearer {token['token']}"}, {}):
        response = stranger.open(f"/api/v1{path}", method=method, json=body, headers=headers)
        assert response.status_code == 401, (headers, response.get_json())
    assert team.owner.get("/projects/acme").get_json()["role"] == "owner"
    assert len(team.owner.get("/projects/acme/members").get_json()["members"]) == 3
    assert team.owner.get("/projects/acme/keys").get_json()["keys"][0]["revokedAt"] is None
    assert len(team.owner.get("/projects/acme/share-links").get_json()["shareLinks"]) == 1
    assert [t["id"] for t in team.owner.get("/tokens").get_json()["tokens"]] == [token["id"]]


# --- With Redis caching on -----------------------------------------------------------------


def test_revocations_take_effect_at_once_with_redis(make_app, redis_url):
    app = make_app(REDIS_URL=redis_url, CACHE_TYPE="RedisCache", CACHE_REDIS_URL=redis_url,
                   RATELIMIT_STORAGE_URI=redis_url)
    root = Person(app, "root")
    viewer = Person(app, "viewer")
    raw_key = root.post("/projects/ouroboard/keys", json={"name": "site"}).get_json()["key"]
    send_events(app, raw_key, "cached_event")
    link = share(root, "ouroboard")
    token = make_token(viewer, "ouroboard")
    reader = app.test_client()
    share_headers = {"X-Ouroboard-Share": link["token"]}
    token_headers = {"Authorization": f"Bearer {token['token']}"}
    for headers in (share_headers, token_headers):  # answered twice: the second is cached
        for _ in range(2):
            assert reader.get("/api/v1/analytics", headers=headers).status_code == 200
    assert viewer.get("/analytics").headers["X-Cache"] == "hit"
    assert root.delete(f"/projects/ouroboard/share-links/{link['id']}").status_code == 204
    assert root.delete(f"/projects/ouroboard/members/{viewer.id}").status_code == 204
    assert reader.get("/api/v1/analytics", headers=share_headers).status_code == 401
    assert reader.get("/api/v1/analytics", headers=token_headers).status_code == 404
    assert viewer.get("/analytics").status_code == 404


def test_the_cli_lists_one_projects_keys(app, team):
    team.owner.post("/projects/acme/keys", json={"name": "acme-site"})
    team.outsider.post("/projects/other/keys", json={"name": "other-site"})
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["keys", "list", "--project", "acme"]).output
    assert "acme-site" in listed and "other-site" not in listed
    everything = runner.invoke(args=["keys", "list"]).output
    assert "acme-site" in everything and "other-site" in everything
    assert runner.invoke(args=["keys", "list", "--project", "nope"]).exit_code != 0
