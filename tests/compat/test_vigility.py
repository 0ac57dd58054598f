"""vigility (seed 001): /api/compat/vigility/<slug>/<path> is /api/v1/<path>, scoped to the
slug's project; the seed's documented paths, one by one.
"""

import pytest
from sqlalchemy import func, select

from app.compat.vigility import scoped_query
from app.extensions import db
from app.models import Person
from tests.compat.conftest import events_of

BASE = "/api/compat/vigility"
ACCOUNT = {"username": "user1", "password": "correct horse battery", "age": 25,
           "gender": "Female"}


def test_the_seeds_paths_through_the_alias(app, client, owner):
    response = client.post(f"{BASE}/ouroboard/register", json=ACCOUNT)
    assert response.status_code == 201
    assert response.get_json()["user"]["username"] == "user1"
    response = client.post(f"{BASE}/ouroboard/login",
                           json={"username": "user1", "password": ACCOUNT["password"]})
    assert response.status_code == 200
    headers = {"Authorization": f"Bearer {response.get_json()['token']}"}
    response = client.post(f"{BASE}/ouroboard/track", json={"feature_name": "date_filter"},
                           headers=headers)
    assert response.status_code == 201
    assert response.get_json()["feature_name"] == "date_filter"
    assert [row.name for row in events_of(app, "ouroboard")] == ["date_filter"]
    response = client.get(f"{BASE}/ouroboard/analytics?ageGroup=18-40&gender=Female",
                          headers=headers)
    assert response.status_code == 200
    assert response.get_json()["barChartData"] == [{"feature": "date_filter", "count": 1}]
    assert client.get(f"{BASE}/ouroboard/health").get_json()["status"] == "ok"
    assert client.post(f"{BASE}/ouroboard/logout", headers=headers).status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_the_alias_answers_exactly_as_v1(client, owner):
    for path in ["/analytics/summary", "/analytics", "/me", "/projects"]:
        alias = client.get(f"{BASE}/acme{path}", headers=owner.headers)
        direct = client.get(f"/api/v1{path}",
                            query_string={"project": "acme"} if "analytics" in path else {},
                            headers=owner.headers)
        assert alias.status_code == direct.status_code == 200
        # The same answer, from the same cache entry the second time.
        assert {**alias.get_json(), "cached": None} == {**direct.get_json(), "cached": None}


def test_analytics_read_the_slugs_project_whatever_project_is_asked(client, owner):
    client.post("/api/compat/insightloop/ouroboard/track", json={"featureName": "mine"},
                headers=owner.headers)
    response = client.get(f"{BASE}/acme/analytics?project=ouroboard", headers=owner.headers)
    assert response.status_code == 200
    assert response.get_json()["barChartData"] == []
    response = client.get(f"{BASE}/ouroboard/analytics", headers=owner.headers)
    assert response.get_json()["barChartData"] == [{"feature": "mine", "count": 1}]


def test_events_to_another_project_than_the_slugs_are_404(app, client, owner, acme_key,
                                                          ingest_key):
    # A session's clicks go to `ouroboard`: not under acme's slug.
    response = client.post(f"{BASE}/acme/track", json={"feature_name": "x"},
                           headers=owner.headers)
    assert response.status_code == 404
    response = client.post(f"{BASE}/acme/events", json={"name": "x"},
                           headers={"X-Ouroboard-Key": ingest_key})
    assert response.status_code == 404
    assert events_of(app, "acme") == [] and events_of(app, "ouroboard") == []
    response = client.post(f"{BASE}/acme/events", json={"name": "x"},
                           headers={"X-Ouroboard-Key": acme_key})
    assert response.status_code == 202
    assert [row.name for row in events_of(app, "acme")] == ["x"]
    response = client.post(f"{BASE}/acme/events", json={"name": "x"},
                           headers={"X-Ouroboard-Key": "obk_unknown"})
    assert response.status_code == 401


@pytest.mark.parametrize("method, path", [("get", "/nowhere/analytics"),
                                          ("post", "/nowhere/login"),
                                          ("get", "/acme/no-such-path"),
                                          ("get", "/Bad_Slug/analytics")])
def test_unknown_projects_and_paths_are_404_json(client, owner, method, path):
    response = getattr(client, method)(BASE + path, headers=owner.headers)
    assert response.status_code == 404
    assert "error" in response.get_json()


def test_cookie_sessions_still_need_csrf_through_the_alias(client, owner):
    login = client.post("/api/v1/login", json={"username": "owner",
                                               "password": "correct horse battery"})
    assert login.status_code == 200
    response = client.post(f"{BASE}/ouroboard/track", json={"feature_name": "x"})
    assert response.status_code == 401


@pytest.mark.parametrize("bad", [{"feature_name": ""}, {}, {"featureName": "x"}])
def test_bad_input_is_400_as_in_v1(client, owner, bad):
    response = client.post(f"{BASE}/ouroboard/track", json=bad, headers=owner.headers)
    assert response.status_code == 400


def test_scoped_query_replaces_any_project():
    assert scoped_query("project=a&x=1&project=b", "acme") == "x=1&project=acme"
    assert scoped_query("", "acme") == "project=acme"


def test_the_openapi_document_lists_the_seeds_paths(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, method in [("/register", "post"), ("/login", "post"), ("/logout", "post"),
                         ("/track", "post"), ("/analytics", "get"), ("/health", "get")]:
        operation = spec["paths"][f"{BASE}/{{slug}}{path}"][method]
        assert operation["summary"].startswith("Alias of")
        assert "404" in operation["responses"]
        assert "project" not in {parameter["name"]
                                 for parameter in operation.get("parameters", [])}


def test_an_identify_for_another_project_than_the_slugs_is_404(app, client, acme_key,
                                                               ingest_key):
    refused = client.post(f"{BASE}/acme/identify", json={"distinct_id": "p1"},
                          headers={"X-Ouroboard-Key": ingest_key})
    assert refused.status_code == 404
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Person)).scalar_one() == 0
    taken = client.post(f"{BASE}/acme/identify", json={"distinct_id": "p1"},
                        headers={"X-Ouroboard-Key": acme_key})
    assert taken.status_code == 200, taken.get_json()
