"""The OpenAPI document create_app publishes (app/__init__.py spec_options, app/blueprint.py)."""


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


def test_the_first_reads_of_a_new_apps_document_at_once_all_get_it_whole(make_app):
    """The operations are described on the first read (app/extensions.py OuroboardApi):
    readers racing it get the whole document, and nothing is described twice."""
    import threading

    app = make_app()
    barrier = threading.Barrier(6)
    answers: list = []

    def read() -> None:
        client = app.test_client()
        barrier.wait()
        response = client.get("/api/v1/openapi.json")
        answers.append((response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=read) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in answers] == [200] * 6
    assert len({body for _, body in answers}) == 1
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/events", "/api/v1/analytics", "/api/v1/projects",
            "/health"} <= set(spec["paths"])
    assert [tag["name"] for tag in spec["tags"]] == [
        "health", "auth", "track", "analytics", "projects", "invitations", "credentials",
        "plausible", "umami", "posthog", "segment", "compat-insightloop", "compat-realtime",
        "compat-analytics-module", "compat-vigility"]
