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
