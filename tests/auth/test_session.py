"""Login, logout, /me, cookies with CSRF, bearer tokens and token tampering."""

import base64
import json
import time
from datetime import timedelta

import jwt as pyjwt
import pytest

from tests.conftest import DEFAULT_PASSWORD


def test_login_returns_same_shape_as_register(client, auth):
    registered = auth.register().get_json()
    response = auth.login()
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"] == registered["user"]
    assert body["token"]
    assert any(c.startswith("access_token_cookie=")
               for c in response.headers.getlist("Set-Cookie"))


def test_login_is_case_insensitive_on_username(client, auth):
    auth.register(username="Alice")
    response = auth.login(username="ALICE")
    assert response.status_code == 200
    assert response.get_json()["user"]["username"] == "Alice"


@pytest.mark.parametrize(("username", "password"), [
    ("alice", "wrong password"),
    ("nobody", DEFAULT_PASSWORD),
])
def test_login_failure_is_the_same_for_wrong_password_and_unknown_user(client, auth,
                                                                         username, password):
    auth.register()
    response = auth.login(username=username, password=password)
    assert response.status_code == 401
    assert response.get_json() == {"error": "Invalid username or password"}
    assert "Set-Cookie" not in response.headers


def test_login_timing_is_similar_for_unknown_user_and_wrong_password(client, auth):
    """Both paths verify one Argon2 hash; neither should be several times faster."""
    auth.register()

    def median_seconds(username):
        samples = []
        for _ in range(7):
            started = time.perf_counter()
            auth.login(username=username, password="wrong password")
            samples.append(time.perf_counter() - started)
        return sorted(samples)[len(samples) // 2]

    median_seconds("nobody")  # warm the decoy hash
    known, unknown = median_seconds("alice"), median_seconds("nobody")
    assert 0.33 < unknown / known < 3.0


@pytest.mark.parametrize("payload", [
    {}, {"username": "alice"}, {"password": "x"}, {"username": "", "password": "x"},
    {"username": 5, "password": "x"}, {"username": "alice", "password": "x", "extra": 1},
])
def test_login_rejects_malformed_credentials(client, payload):
    response = client.post("/api/v1/login", json=payload)
    assert response.status_code == 400
    assert response.get_json()["details"]


def test_me_with_bearer_token(client, auth):
    auth.register()
    client.delete_cookie("access_token_cookie")
    response = client.get("/api/v1/me", headers=auth.headers)
    assert response.status_code == 200
    assert response.get_json()["user"]["username"] == "alice"


def test_me_with_cookie_session(client, auth):
    auth.register()
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.get_json()["user"]["username"] == "alice"


def test_me_without_credentials_is_401(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json() == {"error": "Authentication required"}


def test_logout_clears_cookies(client, auth):
    auth.register()
    response = client.post("/api/v1/logout", headers=auth.csrf_headers())
    assert response.status_code == 200
    assert response.get_json() == {"message": "Logged out"}
    assert client.get_cookie("access_token_cookie") is None
    assert client.get("/api/v1/me").status_code == 401


def test_logout_without_session_still_succeeds(client):
    assert client.post("/api/v1/logout").status_code == 200


def test_cookie_session_needs_csrf_header_on_post(app, client, auth):
    """A cookie-authenticated POST without X-CSRF-TOKEN is refused; with it, accepted."""
    from flask_jwt_extended import jwt_required

    @app.post("/api/v1/_test/echo")
    @jwt_required()
    def echo():
        return {"ok": True}

    auth.register()
    refused = client.post("/api/v1/_test/echo", json={})
    assert refused.status_code == 401
    assert "CSRF" in refused.get_json()["error"]
    wrong = client.post("/api/v1/_test/echo", json={}, headers={"X-CSRF-TOKEN": "forged"})
    assert wrong.status_code == 401
    accepted = client.post("/api/v1/_test/echo", json={}, headers=auth.csrf_headers())
    assert accepted.status_code == 200


def test_bearer_post_needs_no_csrf_header(app, client, auth):
    from flask_jwt_extended import jwt_required

    @app.post("/api/v1/_test/echo")
    @jwt_required()
    def echo():
        return {"ok": True}

    auth.register()
    client.delete_cookie("access_token_cookie")
    response = client.post("/api/v1/_test/echo", json={}, headers=auth.headers)
    assert response.status_code == 200


def b64(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def tampered_tokens(token: str, secret: str) -> dict[str, str]:
    header, payload, signature = token.split(".")
    claims = pyjwt.decode(token, options={"verify_signature": False})
    other_user = {**claims, "sub": "999"}
    return {
        "alg none": f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(other_user)}.",
        "payload changed": f"{header}.{b64(other_user)}.{signature}",
        "signature changed": f"{header}.{payload}.{signature[:-2]}AA",
        "wrong secret": pyjwt.encode(claims, "another-secret-of-at-least-32-bytes!!",
                                     algorithm="HS256"),
        "hs512 with right secret": pyjwt.encode(claims, secret, algorithm="HS512"),
        "expired": pyjwt.encode({**claims, "exp": int(time.time()) - 10}, secret,
                                algorithm="HS256"),
        "garbage": "not-a-token",
    }


@pytest.mark.parametrize("kind", ["alg none", "payload changed", "signature changed",
                                  "wrong secret", "hs512 with right secret", "expired",
                                  "garbage"])
def test_tampered_tokens_are_401(app, client, auth, kind):
    auth.register()
    client.delete_cookie("access_token_cookie")
    token = tampered_tokens(auth.token, app.config["JWT_SECRET_KEY"])[kind]
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert set(response.get_json()) == {"error"}


def test_token_for_deleted_user_is_401(app, client, auth):
    from app.extensions import db
    from app.models import User

    auth.register()
    with app.app_context():
        db.session.query(User).delete()
        db.session.commit()
    client.delete_cookie("access_token_cookie")
    assert client.get("/api/v1/me", headers=auth.headers).status_code == 401


def test_cookie_session_is_refreshed_when_close_to_expiry(make_app):
    app = make_app(JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=10),
                   JWT_REFRESH_WINDOW=timedelta(minutes=30))
    client = app.test_client()
    client.post("/api/v1/register", json={"username": "alice", "password": DEFAULT_PASSWORD,
                                          "age": 30, "gender": "Female"})
    first = client.get_cookie("access_token_cookie").value
    time.sleep(1.1)  # exp has one-second resolution
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    refreshed = client.get_cookie("access_token_cookie").value
    assert refreshed != first
    old_exp = pyjwt.decode(first, options={"verify_signature": False})["exp"]
    new_exp = pyjwt.decode(refreshed, options={"verify_signature": False})["exp"]
    assert new_exp > old_exp


def test_cookie_session_far_from_expiry_is_not_reissued(client, auth):
    auth.register()
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_bearer_session_is_not_turned_into_cookies(client, auth):
    auth.register()
    client.delete_cookie("access_token_cookie")
    response = client.get("/api/v1/me", headers=auth.headers)
    assert "Set-Cookie" not in response.headers


def test_demo_credentials_only_while_the_demo_account_uses_them(app, client):
    from app.seeding import demo

    none_yet = client.get("/api/v1/demo")
    assert (none_yet.status_code, none_yet.data) == (204, b"")
    password = app.config["DEMO_PASSWORD"]
    with app.app_context():
        demo.seed_users(1, password)  # seeded, not registered: too easy a password for that
    response = client.get("/api/v1/demo")
    assert response.status_code == 200
    assert response.get_json() == {"username": "user1", "password": password}
    assert client.post("/api/v1/login", json=response.get_json()).status_code == 200


def test_demo_credentials_hidden_when_user1_has_another_password(client):
    client.post("/api/v1/register", json={"username": "user1", "password": "a private one",
                                          "age": 30, "gender": "Male"})
    assert client.get("/api/v1/demo").status_code == 204


def test_production_cookies_carry_the_host_prefix(make_app):
    """__Host- cookies: Secure, Path=/, no Domain; the session works under those names."""
    from config import ProductionConfig

    names = {"JWT_ACCESS_COOKIE_NAME": ProductionConfig.JWT_ACCESS_COOKIE_NAME,
             "JWT_ACCESS_CSRF_COOKIE_NAME": ProductionConfig.JWT_ACCESS_CSRF_COOKIE_NAME}
    assert all(name.startswith("__Host-") for name in names.values())
    assert ProductionConfig.JWT_COOKIE_SECURE is True
    app = make_app(JWT_COOKIE_SECURE=True, **names)
    client = app.test_client()
    response = client.post("/api/v1/register", base_url="https://localhost", json={
        "username": "alice", "password": DEFAULT_PASSWORD, "age": 30, "gender": "Female"})
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert set(cookies) == set(names.values())
    for cookie in cookies.values():
        attributes = [part.strip().lower() for part in cookie.split(";")[1:]]
        assert "secure" in attributes and "path=/" in attributes
        assert not any(part.startswith("domain") for part in attributes)
    assert client.get("/api/v1/me", base_url="https://localhost").status_code == 200
    csrf = client.get_cookie(names["JWT_ACCESS_CSRF_COOKIE_NAME"], domain="localhost").value
    response = client.post("/api/v1/logout", base_url="https://localhost",
                           headers={"X-CSRF-TOKEN": csrf})
    assert response.status_code == 200
    assert client.get_cookie(names["JWT_ACCESS_COOKIE_NAME"], domain="localhost") is None
