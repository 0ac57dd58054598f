"""GET /api/v1/session: the dashboard's session probe answers signed out with 200 and a null
user, never an error, while GET /me keeps answering 401 for API clients."""

import pytest

from tests.auth.test_session import tampered_tokens

SIGNED_OUT = {"user": None}


def test_probe_without_credentials_is_a_null_user_not_an_error(client):
    response = client.get("/api/v1/session")
    assert response.status_code == 200
    assert response.get_json() == SIGNED_OUT
    assert "Set-Cookie" not in response.headers
    assert client.get("/api/v1/me").status_code == 401  # the API contract is unchanged


def test_probe_with_cookie_session_names_the_user(client, auth):
    registered = auth.register().get_json()["user"]
    response = client.get("/api/v1/session")
    assert response.status_code == 200
    assert response.get_json() == {"user": registered}
    assert set(registered) == {"id", "username", "age", "gender"}


def test_probe_with_bearer_token_names_the_user(client, auth):
    auth.register()
    client.delete_cookie("access_token_cookie")
    response = client.get("/api/v1/session", headers=auth.headers)
    assert response.status_code == 200
    assert response.get_json()["user"]["username"] == "alice"


@pytest.mark.parametrize("kind", ["alg none", "payload changed", "signature changed",
                                  "wrong secret", "expired", "garbage"])
def test_probe_reads_an_invalid_token_as_signed_out(app, client, auth, kind):
    auth.register()
    client.delete_cookie("access_token_cookie")
    token = tampered_tokens(auth.token, app.config["JWT_SECRET_KEY"])[kind]
    response = client.get("/api/v1/session", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json() == SIGNED_OUT


def test_probe_after_logout_is_signed_out_with_the_old_token_too(client, auth):
    auth.register()
    assert client.post("/api/v1/logout", headers=auth.csrf_headers()).status_code == 200
    assert client.get("/api/v1/session").get_json() == SIGNED_OUT
    revoked = client.get("/api/v1/session", headers=auth.headers)
    assert revoked.status_code == 200
    assert revoked.get_json() == SIGNED_OUT


def test_probe_for_a_deleted_user_is_signed_out(app, client, auth):
    from app.extensions import db
    from app.models import Membership, User

    auth.register()
    with app.app_context():
        db.session.query(Membership).delete()
        db.session.query(User).delete()
        db.session.commit()
    response = client.get("/api/v1/session")
    assert response.status_code == 200
    assert response.get_json() == SIGNED_OUT
