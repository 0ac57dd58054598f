"""POST /api/v1/register: the original challenge's contract and every way to get it wrong."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from tests.conftest import DEFAULT_PASSWORD


def stored_users(app) -> list[User]:
    with app.app_context():
        return db.session.execute(select(User).order_by(User.id)).scalars().all()


def test_register_returns_user_and_token_and_sets_cookies(client, app):
    response = client.post("/api/v1/register", json={
        "username": "alice", "password": DEFAULT_PASSWORD, "age": 30, "gender": "Female"})
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"user", "token"}
    assert body["user"] == {"id": body["user"]["id"], "username": "alice", "age": 30,
                            "gender": "Female"}
    assert body["token"].count(".") == 2
    cookies = response.headers.getlist("Set-Cookie")
    access = next(c for c in cookies if c.startswith("access_token_cookie="))
    assert "HttpOnly" in access
    csrf = next(c for c in cookies if c.startswith("csrf_access_token="))
    assert "HttpOnly" not in csrf  # the page must read it to echo it back
    users = stored_users(app)
    assert [(u.username, u.age, u.gender) for u in users] == [("alice", 30, "Female")]


def test_register_stores_an_argon2id_hash_not_the_password(client, app):
    client.post("/api/v1/register", json={
        "username": "alice", "password": DEFAULT_PASSWORD, "age": 30, "gender": "Female"})
    (user,) = stored_users(app)
    assert user.password_hash.startswith("$argon2id$")
    assert DEFAULT_PASSWORD not in user.password_hash


def test_register_accepts_age_as_numeric_string(client, app):
    response = client.post("/api/v1/register", json={
        "username": "bob", "password": DEFAULT_PASSWORD, "age": "17", "gender": "Male"})
    assert response.status_code == 201
    assert response.get_json()["user"]["age"] == 17
    assert stored_users(app)[0].age == 17


def test_register_rejects_duplicate_username_in_any_case(client, app, auth):
    assert auth.register(username="Alice").status_code == 201
    response = auth.register(username="aLiCe")
    assert response.status_code == 409
    assert response.get_json() == {"error": "Username already taken",
                                   "details": {"username": ["Username already taken."]}}
    assert len(stored_users(app)) == 1


def test_case_insensitive_uniqueness_is_enforced_by_the_database(app):
    """Even a write that skips the service's lookup cannot create a case-twin."""
    from sqlalchemy.exc import IntegrityError

    with app.app_context():
        db.session.add(User(username="Carol", password_hash="x", age=20, gender="Other"))
        db.session.commit()
        db.session.add(User(username="CAROL", password_hash="x", age=20, gender="Other"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        count = db.session.execute(select(func.count()).select_from(User)).scalar_one()
    assert count == 1


VALID = {"username": "valid_user", "password": DEFAULT_PASSWORD, "age": 25, "gender": "Other"}


@pytest.mark.parametrize(("change", "field"), [
    ({"username": None}, "username"),
    ({"username": "ab"}, "username"),
    ({"username": "a" * 33}, "username"),
    ({"username": "has space"}, "username"),
    ({"username": "semi;colon"}, "username"),
    ({"username": "trailing\n"}, "username"),
    ({"username": 12345}, "username"),
    ({"password": "short"}, "password"),
    ({"password": "x" * 129}, "password"),
    ({"password": 12345678}, "password"),
    ({"age": 0}, "age"),
    ({"age": 121}, "age"),
    ({"age": -5}, "age"),
    ({"age": "twenty"}, "age"),
    ({"age": 25.5}, "age"),
    ({"age": True}, "age"),
    ({"age": "25.0"}, "age"),
    ({"age": None}, "age"),
    ({"gender": "male"}, "gender"),
    ({"gender": "Unknown"}, "gender"),
    ({"gender": ""}, "gender"),
    ({"unexpected": "field"}, "unexpected"),
])
def test_register_rejects_invalid_field(client, app, change, field):
    payload = {**VALID, **change}
    payload = {key: value for key, value in payload.items() if value is not None}
    response = client.post("/api/v1/register", json=payload)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"]
    assert field in body["details"], body
    assert stored_users(app) == []


@pytest.mark.parametrize("missing", ["username", "password", "age", "gender"])
def test_register_reports_each_missing_field(client, app, missing):
    payload = {key: value for key, value in VALID.items() if key != missing}
    response = client.post("/api/v1/register", json=payload)
    assert response.status_code == 400
    assert response.get_json()["details"] == {missing: ["Missing data for required field."]}
    assert stored_users(app) == []


@pytest.mark.parametrize("body", ["[]", '"alice"', "42", "null"])
def test_register_rejects_json_that_is_not_an_object(client, app, body):
    response = client.post("/api/v1/register", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "error" in response.get_json()
    assert stored_users(app) == []


def test_register_rejects_malformed_json(client, app):
    response = client.post("/api/v1/register", data='{"username": "alice",',
                           content_type="application/json")
    assert response.status_code == 400
    assert response.get_json() == {"error": "Malformed JSON body"}
    assert stored_users(app) == []


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
def test_register_rejects_non_json_content_type(client, app, content_type):
    response = client.post("/api/v1/register", data='{"username": "alice"}',
                           content_type=content_type)
    assert response.status_code == 415
    assert response.get_json()["error"].startswith("Unsupported content type")
    assert stored_users(app) == []


def test_register_rejects_oversized_body(client, app):
    payload = {**VALID, "password": "p" * (1024 * 1024 + 10)}
    response = client.post("/api/v1/register", json=payload)
    assert response.status_code == 413
    assert response.get_json() == {"error": "Request body too large"}
    assert stored_users(app) == []


def test_register_with_empty_body_lists_required_fields(client, app):
    response = client.post("/api/v1/register")
    assert response.status_code == 400
    assert set(response.get_json()["details"]) == {"username", "password", "age", "gender"}


@pytest.mark.parametrize(("username", "password", "hint"), [
    ("alice", "password123", "This is a very common password."),
    ("alice", "qwertyuiop", "This is a top-100 common password."),
    ("alice", "ouroboard2026", "Add another word or two."),
    # Strong on its own, but it is the username with a character added.
    ("quixotic.zephyr", "quixotic.zephyr!", "Add another word or two."),
])
def test_register_refuses_a_guessable_password(client, app, username, password, hint):
    response = client.post("/api/v1/register", json={**VALID, "username": username,
                                                     "password": password})
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"].startswith("Password is too easy to guess: ")
    assert hint in body["error"]
    assert body["details"] == {"password": [body["error"]]}
    assert stored_users(app) == []


def test_register_accepts_the_same_password_for_another_username(client):
    response = client.post("/api/v1/register", json={**VALID, "username": "alice",
                                                     "password": "quixotic.zephyr!"})
    assert response.status_code == 201


def test_only_the_first_64_characters_of_a_password_are_scored(client):
    """zxcvbn alone takes seconds on 128 varied characters, so only a prefix is scored:
    a guessable start is refused whatever follows, and a strong start is enough.
    """
    strong = "".join(chr(33 + (i * 7) % 90) for i in range(128))
    weak_start = "a" * 64 + strong[:64]  # scored whole, the second half would pass
    refused = client.post("/api/v1/register",
                          json={**VALID, "username": "weakstart", "password": weak_start})
    assert refused.status_code == 400
    assert "too easy to guess" in refused.get_json()["error"]
    accepted = client.post("/api/v1/register",
                           json={**VALID, "username": "strongstart",
                                 "password": strong[:64] + "a" * 64})
    assert accepted.status_code == 201
