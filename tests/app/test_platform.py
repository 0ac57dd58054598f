"""Health, the SPA fallback, JSON errors everywhere, headers and the OpenAPI document."""

import logging

import pytest


def test_health_reports_database_ok(client):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["version"]


@pytest.fixture(params=["sqlite", "postgres"])
def unreachable_database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}"  # a directory cannot be opened as a database
    return "postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=2"


def test_health_is_503_when_database_is_down(make_app, unreachable_database_url):
    client = make_app(SQLALCHEMY_DATABASE_URI=unreachable_database_url).test_client()
    response = client.get("/health")
    assert response.status_code == 503
    assert response.get_json()["database"] == "down"


def test_api_answers_503_json_when_database_is_down(make_app, unreachable_database_url):
    client = make_app(SQLALCHEMY_DATABASE_URI=unreachable_database_url).test_client()
    response = client.post("/api/v1/login", json={"username": "alice", "password": "x"})
    assert response.status_code == 503
    assert response.get_json() == {"error": "Database unavailable, retry shortly"}
    assert response.headers["Retry-After"]


@pytest.fixture
def built_frontend(tmp_path):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><div id=root>ouroboard-index</div>")
    (dist / "assets" / "index-abc123.js").write_text("console.log('app')")
    (dist / "favicon.svg").write_text("<svg/>")
    return dist


@pytest.fixture
def spa_client(make_app, built_frontend):
    return make_app(FRONTEND_DIST=built_frontend).test_client()


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


@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v2/register", "/api/", "/api"])
def test_unknown_api_paths_are_json_404(spa_client, method, path):
    response = getattr(spa_client, method)(path)
    assert response.status_code == 404
    assert response.get_json() == {"error": "Not found"}


def test_wrong_method_is_json_405(client):
    response = client.delete("/api/v1/login")
    assert response.status_code == 405
    assert response.get_json() == {"error": "Method not allowed"}
    assert "POST" in response.headers["Allow"]


def test_unexpected_exception_is_logged_and_hidden(make_app, caplog):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/api/v1/_test/boom")
    def boom():
        raise RuntimeError("secret detail SELECT * FROM users")

    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/api/v1/_test/boom")
    assert response.status_code == 500
    assert response.get_json() == {"error": "Internal server error"}
    assert b"secret detail" not in response.data and b"Traceback" not in response.data
    assert "secret detail" in caplog.text


def test_security_headers_on_api_and_pages(spa_client):
    for path in ("/api/v1/me", "/"):
        headers = spa_client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "Strict-Transport-Security" not in headers


def test_openapi_document_lists_auth_endpoints(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    for path in ("/api/v1/register", "/api/v1/login", "/api/v1/logout", "/api/v1/me",
                 "/health"):
        assert path in spec["paths"], path
    register = spec["paths"]["/api/v1/register"]["post"]
    assert "201" in register["responses"] and "400" in register["responses"]
    schemas = spec["components"]["schemas"]
    assert set(schemas["Register"]["required"]) == {"username", "password", "age", "gender"}
    assert schemas["Error"]["required"] == ["error"]


def test_docs_ui_is_served_from_our_origin_under_the_strict_policy(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<script src="/api-docs/swagger-ui-bundle.js" defer></script>' in page
    assert "<script>" not in page and "https://" not in page
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "style-src 'self';" in policy
    assert "unsafe-inline" not in policy
