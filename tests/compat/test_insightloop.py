"""insightloop (seed 000) through its documented requests: register, login, track and the
two charts, under /api/compat/insightloop/<slug>.
"""

from datetime import UTC, datetime, timedelta

import pytest

from tests.compat.conftest import events_of, make_public, register

BASE = "/api/compat/insightloop"


def login(client, username="user1", password="correct horse battery", slug="acme"):
    return client.post(f"{BASE}/{slug}/login", json={"username": username,
                                                     "password": password})


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_register_login_track_and_read_as_the_seed_client_does(app, client, owner):
    response = client.post(f"{BASE}/acme/register", json={
        "username": "user1", "password": "correct horse battery", "age": 25,
        "gender": "Female"})
    assert response.status_code == 201
    assert response.get_json() == {"message": "User registered successfully"}
    assert "access_token_cookie" not in response.headers.get("Set-Cookie", "")

    response = login(client)
    assert response.status_code == 200
    token = response.get_json()["token"]
    assert set(response.get_json()) == {"token"}
    # The token is an ordinary session of /api/v1.
    assert client.get("/api/v1/me", headers=bearer(token)).get_json()["user"]["username"] \
        == "user1"

    # user1 is no member of acme yet: its clicks go nowhere there.
    response = client.post(f"{BASE}/acme/track", json={"featureName": "date_filter"},
                           headers=bearer(token))
    assert response.status_code == 404
    assert "error" in response.get_json()

    # The self-tracking project takes every signed-in user's clicks, as /api/v1/track.
    response = client.post(f"{BASE}/ouroboard/track", json={"featureName": "date_filter"},
                           headers=bearer(token))
    assert response.status_code == 201
    assert response.get_json() == {"message": "Interaction tracked"}
    [row] = [row for row in events_of(app, "ouroboard") if row.name == "date_filter"]
    assert (row.age_group, row.gender) == ("18-40", "Female")
    assert row.user_id is not None


def test_a_members_click_lands_in_the_slugs_project_only(app, client, owner):
    response = client.post(f"{BASE}/acme/track", json={"featureName": "bar_chart_zoom"},
                           headers=owner.headers)
    assert response.status_code == 201
    [row] = events_of(app, "acme")
    assert (row.name, row.age_group, row.gender) == ("bar_chart_zoom", "18-40", "Female")
    assert [row.name for row in events_of(app, "ouroboard")] == []


@pytest.mark.parametrize("body", [{}, {"featureName": ""}, {"featureName": 5},
                                  {"featureName": "x" * 101}, {"featureName": "a", "extra": 1},
                                  {"feature_name": "a"}])
def test_track_rejects_bad_bodies(client, owner, body):
    response = client.post(f"{BASE}/acme/track", json=body, headers=owner.headers)
    assert response.status_code == 400
    assert "error" in response.get_json()


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nonsense"},
                                     {"Authorization": "Bearer obt_unknown"}])
def test_track_needs_a_valid_token(client, owner, headers):
    response = client.post(f"{BASE}/acme/track", json={"featureName": "a"}, headers=headers)
    assert response.status_code == 401
    assert "error" in response.get_json()


def test_track_into_an_unknown_project_is_404(client, owner):
    response = client.post(f"{BASE}/nowhere/track", json={"featureName": "a"},
                           headers=owner.headers)
    assert response.status_code == 404


@pytest.mark.parametrize("body, status", [
    ({"username": "user2", "password": "correct horse battery", "age": 17}, 400),
    ({"username": "user2", "password": "short", "age": 17, "gender": "Male"}, 400),
    ({"username": "user2", "password": "password", "age": 17, "gender": "Male"}, 400),
    ({"username": "user2", "password": "correct horse battery", "age": "x", "gender": "Male"},
     400),
    ({"username": "owner", "password": "correct horse battery", "age": 20, "gender": "Male"},
     409),
])
def test_register_rejects_bad_input(client, owner, body, status):
    response = client.post(f"{BASE}/acme/register", json=body)
    assert response.status_code == status
    assert "error" in response.get_json()


@pytest.mark.parametrize("body", [{"username": "owner", "password": "wrong password"},
                                  {"username": "nobody", "password": "whatever it is"}])
def test_login_refuses_wrong_credentials(client, owner, body):
    response = client.post(f"{BASE}/acme/login", json=body)
    assert response.status_code == 401
    assert response.get_json() == {"error": "Invalid username or password"}


def test_login_shares_the_v1_limit(make_app):
    app = make_app(AUTH_RATE_LIMIT_PER_USERNAME="3 per minute")
    client = app.test_client()
    body = {"username": "someone", "password": "wrong password"}
    assert [client.post("/api/v1/login", json=body).status_code for _ in range(2)] == [401] * 2
    assert client.post(f"{BASE}/acme/login", json=body).status_code == 401
    assert client.post(f"{BASE}/acme/login", json=body).status_code == 429
    assert client.post("/api/v1/login", json=body).status_code == 429


def click(client, person, slug, *names):
    for name in names:
        response = client.post(f"{BASE}/{slug}/track", json={"featureName": name},
                               headers=person.headers)
        assert response.status_code == 201


def test_analytics_without_a_token_needs_public_sharing(client, owner):
    click(client, owner, "acme", "date_filter", "date_filter", "gender_filter")
    response = client.get(f"{BASE}/acme/analytics")
    assert response.status_code == 401
    assert "error" in response.get_json()
    make_public(client, owner)
    response = client.get(f"{BASE}/acme/analytics")
    assert response.status_code == 200
    today = datetime.now(UTC).date().isoformat()
    assert response.get_json() == {"barChart": {"date_filter": 2, "gender_filter": 1},
                                   "lineChart": {today: 3}}


def test_analytics_with_a_members_token_and_the_seed_clients_filters(client, owner, outsider):
    click(client, owner, "acme", "date_filter", "age_filter")  # owner: 30, Female
    today = datetime.now(UTC).date()
    week_ago = (today - timedelta(days=6)).isoformat()
    query = {"gender": "Female", "minAge": 18, "maxAge": 40, "start": week_ago,
             "end": today.isoformat()}
    response = client.get(f"{BASE}/acme/analytics", query_string=query, headers=owner.headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["barChart"] == {"age_filter": 1, "date_filter": 1}
    assert len(body["lineChart"]) == 7
    assert body["lineChart"][today.isoformat()] == 2
    assert sum(body["lineChart"].values()) == 2
    for query, expected in [({"gender": "Male"}, {}), ({"minAge": 41, "maxAge": 100}, {}),
                            ({"minAge": 0, "maxAge": 17}, {}),
                            ({"gender": "female"}, {"age_filter": 1, "date_filter": 1}),
                            ({"gender": "", "minAge": "", "maxAge": "", "start": "",
                              "end": ""}, {"age_filter": 1, "date_filter": 1}),
                            ({"gender": "All"}, {"age_filter": 1, "date_filter": 1})]:
        response = client.get(f"{BASE}/acme/analytics", query_string=query,
                              headers=owner.headers)
        assert response.status_code == 200, query
        assert response.get_json()["barChart"] == expected, query
    # Not a member, and acme is not public: as /api/v1, the project does not exist for them.
    response = client.get(f"{BASE}/acme/analytics", headers=outsider.headers)
    assert response.status_code == 404


@pytest.mark.parametrize("query", [
    {"minAge": 18}, {"maxAge": 40}, {"minAge": 10, "maxAge": 30}, {"minAge": 41, "maxAge": 30},
    {"minAge": "x"}, {"minAge": -1}, {"gender": "robot"}, {"start": "yesterday"},
    {"start": "2026-02-30"}, {"start": "2025-03-01", "end": "2025-01-01"},
    {"start": "1999-01-01"}, {"start": "2000-01-01", "end": "2010-01-01"}, {"ageGroup": "<18"},
])
def test_analytics_rejects_bad_filters(client, owner, query):
    response = client.get(f"{BASE}/acme/analytics", query_string=query, headers=owner.headers)
    assert response.status_code == 400
    assert "error" in response.get_json()


def test_the_age_error_says_which_bounds_work(client, owner):
    response = client.get(f"{BASE}/acme/analytics?minAge=10&maxAge=30", headers=owner.headers)
    assert "minAge=0&maxAge=17" in response.get_json()["error"]


def test_public_reads_never_show_another_projects_data(client, owner, outsider):
    click(client, owner, "acme", "secret_feature")
    make_public(client, owner, "ouroboard")  # the owner is the instance's first account
    response = client.get(f"{BASE}/ouroboard/analytics")
    assert response.status_code == 200
    assert "secret_feature" not in response.get_json()["barChart"]
    assert client.get(f"{BASE}/nowhere/analytics").status_code == 404
    # A valid token of a non-member still reads a public project, as anyone may.
    register(client, "third")
    assert client.get(f"{BASE}/ouroboard/analytics", headers=outsider.headers).status_code \
        == 200
    # An invalid token is refused, never read as anonymous.
    response = client.get(f"{BASE}/ouroboard/analytics",
                          headers={"Authorization": "Bearer obt_revoked"})
    assert response.status_code == 401
