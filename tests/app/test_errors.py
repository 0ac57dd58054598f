"""app/errors.py: one JSON error shape for unknown paths, wrong methods, a database that is
down and unexpected exceptions (logged, never shown)."""

import logging

import pytest


def test_api_answers_503_json_when_database_is_down(make_app, unreachable_database_url):
    client = make_app(SQLALCHEMY_DATABASE_URI=unreachable_database_url).test_client()
    response = client.post("/api/v1/login", json={"username": "alice", "password": "x"})
    assert response.status_code == 503
    assert response.get_json() == {"error": "Database unavailable, retry shortly"}
    assert response.headers["Retry-After"]


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
