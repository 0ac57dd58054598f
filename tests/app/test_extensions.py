"""The JWTManager's memory of verified tokens: a remembered token is refused exactly when
the library would refuse it (expired, revoked, another secret, a wrong CSRF value), and
only the exact token text verified before is ever remembered.
"""

import time
from datetime import timedelta

import jwt as pyjwt
from flask_jwt_extended import create_access_token

from app.extensions import jwt


def test_a_token_verified_once_is_decoded_no_more(client, auth, monkeypatch):
    auth.register()
    assert client.get("/api/v1/me", headers=auth.headers).status_code == 200
    decodes = []
    real_decode = pyjwt.decode
    monkeypatch.setattr(pyjwt, "decode", lambda *a, **k: decodes.append(1) or real_decode(*a, **k))
    assert client.get("/api/v1/me", headers=auth.headers).status_code == 200
    assert decodes == []


def test_a_remembered_token_is_refused_once_expired(app, client, auth):
    auth.register()
    with app.app_context():
        token = create_access_token(identity="1", expires_delta=timedelta(seconds=2))
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    time.sleep(3)
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"] == "Session expired, please log in again"


def test_a_remembered_token_is_refused_after_logout(client, auth):
    auth.register()
    assert client.get("/api/v1/me", headers=auth.headers).status_code == 200
    assert client.post("/api/v1/logout", headers=auth.headers).status_code in (200, 204)
    assert client.get("/api/v1/me", headers=auth.headers).status_code == 401


def test_a_tampered_copy_of_a_remembered_token_is_refused(client, auth):
    auth.register()
    assert client.get("/api/v1/me", headers=auth.headers).status_code == 200
    head, payload, signature = auth.token.split(".")
    forged = f"{head}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_a_remembered_token_is_refused_under_another_secret(app, client, auth):
    auth.register()
    assert client.get("/api/v1/me", headers=auth.headers).status_code == 200
    app.config["JWT_SECRET_KEY"] = "another-secret-key-that-is-at-least-32-bytes"  # noqa: S105
    assert client.get("/api/v1/me", headers=auth.headers).status_code == 401


def test_a_cookie_token_remembered_with_its_csrf_value_needs_it_again(client, auth):
    auth.register()
    assert client.get("/api/v1/me", headers=auth.csrf_headers()).status_code == 200
    assert client.post("/api/v1/track", json={"feature_name": "button"},
                       headers=auth.csrf_headers()).status_code == 201
    response = client.post("/api/v1/track", json={"feature_name": "button"},
                           headers={"X-CSRF-TOKEN": "not-the-value"})
    assert response.status_code == 401


def test_the_memory_is_bounded(client, auth, monkeypatch):
    auth.register()
    monkeypatch.setattr(type(jwt), "MAX_REMEMBERED", 3)
    jwt._verified.clear()
    for _ in range(5):
        assert auth.login().status_code == 200  # a new token each time
        assert client.get("/api/v1/me", headers=auth.headers).status_code == 200
    assert len(jwt._verified) <= 3
