"""app/spa.py: the built dashboard with index.html for client routes, cached assets, the
API docs page and the public tracker /t.js."""

import pytest

from tests.app.conftest import TRACKER


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/dashboard", "/a/deep/link?x=1"])
def test_client_routes_get_index_html(spa_client, path):
    response = spa_client.get(path)
    assert response.status_code == 200
    assert b"ouroboard-index" in response.data
    assert response.headers["Cache-Control"] == "no-cache"


def test_hashed_assets_are_cached_for_a_year(spa_client):
    response = spa_client.get("/assets/index-abc123.js")
    assert response.status_code == 200
    assert response.data == b"console.log('app')"
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=31536000" in response.headers["Cache-Control"]


def test_spa_does_not_serve_files_outside_dist(spa_client):
    response = spa_client.get("/../config.py")
    assert b"SQLALCHEMY" not in response.data


def test_unbuilt_frontend_explains_itself(make_app, tmp_path):
    client = make_app(FRONTEND_DIST=tmp_path / "missing").test_client()
    response = client.get("/")
    assert response.status_code == 503
    assert b"make build" in response.data


def test_docs_ui_is_served_from_our_origin_under_the_strict_policy(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<script src="/api-docs/swagger-ui-bundle.js" defer></script>' in page
    assert "<script>" not in page and "https://" not in page
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "style-src 'self';" in policy
    assert "unsafe-inline" not in policy


def test_tracker_is_served_with_a_long_cache_lifetime(make_app, tracker_source):
    client = make_app(FRONTEND_DIST=TRACKER.parent).test_client()
    response = client.get("/t.js")
    assert response.status_code == 200
    assert response.data == tracker_source
    assert response.mimetype == "text/javascript"
    assert "max-age=86400" in response.headers["Cache-Control"]
