"""Sessions end: logout revokes the token, a password change or "sign out everywhere" revokes
the user's sessions, and no session outlives SESSION_MAX_AGE. Each test runs with the
revocations in the database and, with TEST_REDIS_URL, in Redis too.
"""

import time
from datetime import UTC, datetime, timedelta

import jwt as pyjwt
import pytest
import redis
from sqlalchemy import select

from app.auth import sessions
from app.auth.revocation import REVOKED_KEY_PREFIX, VALID_AFTER_KEY_PREFIX
from app.extensions import db
from app.models import RevokedToken, User
from tests.conftest import DEFAULT_PASSWORD, AuthActions

NEW_PASSWORD = "violet tram under snow"  # noqa: S105 - a test password zxcvbn accepts


def clear_session_keys(url: str) -> None:
    """Redis outlives tests, and user ids restart with each test database."""
    client = redis.Redis.from_url(url)
    for prefix in (REVOKED_KEY_PREFIX, VALID_AFTER_KEY_PREFIX):
        keys = list(client.scan_iter(f"{prefix}*"))
        if keys:
            client.delete(*keys)


@pytest.fixture(params=["database", "redis"])
def store(request):
    """Where revocations are looked up: the database alone, or Redis in front of it."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        clear_session_keys(url)
        return {"REDIS_URL": url}
    return {}


@pytest.fixture
def revoking_app(make_app, store):
    return make_app(**store)


@pytest.fixture
def browser(revoking_app):
    """A signed-up user's browser: a cookie session."""
    auth = AuthActions(revoking_app.test_client())
    assert auth.register().status_code == 201
    return auth


def second_session(app, password=DEFAULT_PASSWORD) -> AuthActions:
    """The same user signed in elsewhere (an API client with a bearer token)."""
    other = AuthActions(app.test_client())
    assert other.login(password=password).status_code == 200
    return other


def me_status(auth: AuthActions, bearer: bool = False) -> int:
    headers = auth.headers if bearer else {}
    return auth.client.get("/api/v1/me", headers=headers).status_code


def claims_of(token: str) -> dict:
    return pyjwt.decode(token, options={"verify_signature": False})


def cookie_token(auth: AuthActions) -> str:
    return auth.client.get_cookie("access_token_cookie").value


def test_logout_revokes_the_bearer_token(revoking_app):
    client = AuthActions(revoking_app.test_client())
    client.register()
    client.client.delete_cookie("access_token_cookie")
    assert me_status(client, bearer=True) == 200
    response = client.client.post("/api/v1/logout", headers=client.headers)
    assert response.status_code == 200
    refused = client.client.get("/api/v1/me", headers=client.headers)
    assert refused.status_code == 401
    assert refused.get_json() == {"error": "Session ended, please log in again"}


def test_logout_records_the_token_id_until_it_expires(revoking_app, store):
    client = AuthActions(revoking_app.test_client())
    client.register()
    claims = claims_of(client.token)
    client.client.post("/api/v1/logout", headers=client.headers)
    with revoking_app.app_context():
        row = db.session.get(RevokedToken, claims["jti"])
        assert row.expires_at == datetime.fromtimestamp(claims["exp"], UTC)
    if store:
        ttl = redis.Redis.from_url(store["REDIS_URL"]).ttl(REVOKED_KEY_PREFIX + claims["jti"])
        assert 0 < ttl <= claims["exp"] - int(time.time()) + 1


def test_logout_revokes_the_cookie_session(browser):
    token = cookie_token(browser)
    response = browser.client.post("/api/v1/logout", headers=browser.csrf_headers())
    assert response.status_code == 200
    assert browser.client.get_cookie("access_token_cookie") is None
    browser.client.set_cookie("access_token_cookie", token)  # a copy kept by a thief
    assert me_status(browser) == 401
    assert browser.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}
                              ).status_code == 401


def test_logout_ends_only_that_session(revoking_app, browser):
    other = second_session(revoking_app)
    browser.client.post("/api/v1/logout", headers=browser.csrf_headers())
    assert me_status(other, bearer=True) == 200


def test_logout_purges_revoked_ids_that_expired(revoking_app, browser):
    past = datetime.now(UTC) - timedelta(minutes=1)
    with revoking_app.app_context():
        db.session.add(RevokedToken(jti="long-expired", expires_at=past))
        db.session.commit()
    browser.client.post("/api/v1/logout", headers=browser.csrf_headers())
    with revoking_app.app_context():
        jtis = db.session.execute(select(RevokedToken.jti)).scalars().all()
    assert jtis == [claims_of(browser.token)["jti"]]


def test_logout_with_an_unusable_token_still_signs_out(revoking_app):
    client = revoking_app.test_client()
    response = client.post("/api/v1/logout", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 200
    with revoking_app.app_context():
        assert db.session.execute(select(RevokedToken)).first() is None


def change_password(auth: AuthActions, current=DEFAULT_PASSWORD, new=NEW_PASSWORD,
                    bearer=False):
    headers = auth.headers if bearer else auth.csrf_headers()
    return auth.client.post("/api/v1/me/password", headers=headers,
                            json={"currentPassword": current, "newPassword": new})


def test_password_change_keeps_this_session_and_ends_the_others(revoking_app, browser):
    other = second_session(revoking_app)
    old_cookie = cookie_token(browser)
    response = change_password(browser)
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"]["username"] == "alice"
    assert cookie_token(browser) == body["token"] != old_cookie
    assert me_status(browser) == 200
    assert me_status(other, bearer=True) == 401
    browser.client.set_cookie("access_token_cookie", old_cookie)
    assert me_status(browser) == 401, "the cookie from before the change is revoked too"


def test_password_change_keeps_the_sign_in_time(revoking_app, browser):
    before = claims_of(cookie_token(browser))
    time.sleep(1.05)  # so a new sign-in would get a later second
    after = claims_of(change_password(browser).get_json()["token"])
    assert after["auth_time"] == before["auth_time"]
    assert after["exp"] >= before["exp"]


def test_password_change_replaces_the_password(revoking_app, browser):
    change_password(browser)
    fresh = AuthActions(revoking_app.test_client())
    assert fresh.login(password=DEFAULT_PASSWORD).status_code == 401
    assert fresh.login(password=NEW_PASSWORD).status_code == 200
    with revoking_app.app_context():
        user = db.session.execute(select(User)).scalar_one()
        assert user.password_hash.startswith("$argon2id$")
        assert user.sessions_valid_after is not None


def test_password_change_over_bearer_returns_the_new_token_and_no_cookies(revoking_app):
    client = second_session_after_register(revoking_app)
    response = change_password(client, bearer=True)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    old_headers = client.headers
    client.token = response.get_json()["token"]
    assert me_status(client, bearer=True) == 200
    assert client.client.get("/api/v1/me", headers=old_headers).status_code == 401


def second_session_after_register(app) -> AuthActions:
    """A registered user whose client holds only a bearer token (no cookies)."""
    client = AuthActions(app.test_client())
    client.register()
    client.client.delete_cookie("access_token_cookie")
    return client


def test_wrong_current_password_changes_nothing(revoking_app, browser):
    other = second_session(revoking_app)
    response = change_password(browser, current="not my password")
    assert response.status_code == 400
    assert response.get_json()["error"] == "Current password is wrong"
    assert "currentPassword" in response.get_json()["details"]
    assert me_status(other, bearer=True) == 200
    assert AuthActions(revoking_app.test_client()).login().status_code == 200


@pytest.mark.parametrize(("new_password", "message"), [
    ("password1234", "Password is too easy to guess: This is a very common password."),
    ("alicealice", "Password is too easy to guess"),
    (DEFAULT_PASSWORD, "The new password must differ from the current one."),
])
def test_guessable_new_password_is_refused(revoking_app, browser, new_password, message):
    response = change_password(browser, new=new_password)
    assert response.status_code == 400
    assert response.get_json()["error"].startswith(message)
    assert response.get_json()["details"]["newPassword"]
    assert AuthActions(revoking_app.test_client()).login().status_code == 200


def test_password_change_needs_a_session_and_its_csrf_header(revoking_app, browser):
    no_csrf = browser.client.post("/api/v1/me/password", json={
        "currentPassword": DEFAULT_PASSWORD, "newPassword": NEW_PASSWORD})
    assert no_csrf.status_code == 401
    anonymous = revoking_app.test_client().post("/api/v1/me/password", json={
        "currentPassword": DEFAULT_PASSWORD, "newPassword": NEW_PASSWORD})
    assert anonymous.status_code == 401
    assert AuthActions(revoking_app.test_client()).login().status_code == 200


def test_password_change_is_rate_limited_per_user(make_app, store):
    app = make_app(AUTH_RATE_LIMIT_PER_USERNAME="2 per minute", **store)
    browser = AuthActions(app.test_client())
    browser.register()
    statuses = [change_password(browser, current="wrong guess").status_code for _ in range(3)]
    assert statuses == [400, 400, 429]


def test_sign_out_everywhere_ends_every_session(revoking_app, browser):
    other = second_session(revoking_app)
    token = cookie_token(browser)
    response = browser.client.post("/api/v1/logout/all", headers=browser.csrf_headers())
    assert response.status_code == 200
    assert response.get_json() == {"message": "Signed out everywhere"}
    assert browser.client.get_cookie("access_token_cookie") is None
    assert me_status(other, bearer=True) == 401
    browser.client.set_cookie("access_token_cookie", token)
    assert me_status(browser) == 401
    again = second_session(revoking_app)
    assert me_status(again, bearer=True) == 200


def test_sign_out_everywhere_needs_a_session(revoking_app):
    response = revoking_app.test_client().post("/api/v1/logout/all")
    assert response.status_code == 401


@pytest.mark.parametrize("revoke", ["sign out everywhere", "change password"])
def test_revoking_all_sessions_reaches_other_workers_at_once(make_app, store, revoke):
    """Two apps on one database stand for two workers: the one that did not revoke still
    remembers the user, and must refuse the session on its very next request.
    """
    worker_a, worker_b = make_app(**store), make_app(**store)
    browser = AuthActions(worker_a.test_client())
    browser.register()
    elsewhere = worker_b.test_client()
    bearer = {"Authorization": f"Bearer {browser.token}"}
    assert elsewhere.get("/api/v1/me", headers=bearer).status_code == 200
    if revoke == "change password":
        assert change_password(browser).status_code == 200
    else:
        browser.client.post("/api/v1/logout/all", headers=browser.csrf_headers())
    assert elsewhere.get("/api/v1/me", headers=bearer).status_code == 401


def test_new_tokens_carry_the_sign_in_time_and_end_with_the_session(make_app, store):
    app = make_app(SESSION_MAX_AGE=timedelta(minutes=5), **store)
    client = AuthActions(app.test_client())
    client.register()
    claims = claims_of(client.token)
    assert abs(claims["auth_time"] - time.time()) < 5
    assert claims["exp"] - claims["auth_time"] == 300


def crafted_token(app, user_id: int, signed_in_ago: timedelta, expires_in: timedelta) -> str:
    """A validly signed token whose session signed in `signed_in_ago`."""
    now = int(time.time())
    return pyjwt.encode({
        "sub": str(user_id), "jti": f"crafted-{now}", "type": "access", "fresh": False,
        "iat": now, "nbf": now, "exp": now + int(expires_in.total_seconds()),
        "auth_time": now - int(signed_in_ago.total_seconds()), "issued_ms": now * 1000,
        "csrf": "crafted-csrf",
    }, app.config["JWT_SECRET_KEY"], algorithm="HS256")


def test_session_older_than_the_maximum_age_is_refused(make_app, store):
    app = make_app(SESSION_MAX_AGE=timedelta(hours=2), **store)
    client = AuthActions(app.test_client())
    user_id = client.register().get_json()["user"]["id"]
    too_old = crafted_token(app, user_id, timedelta(hours=2, seconds=1), timedelta(minutes=30))
    response = client.client.get("/api/v1/me", headers={"Authorization": f"Bearer {too_old}"})
    assert response.status_code == 401
    young = crafted_token(app, user_id, timedelta(hours=1), timedelta(minutes=30))
    assert client.client.get("/api/v1/me",
                             headers={"Authorization": f"Bearer {young}"}).status_code == 200


def test_refresh_never_extends_a_session_past_its_maximum_age(make_app, store):
    app = make_app(SESSION_MAX_AGE=timedelta(hours=1), JWT_ACCESS_TOKEN_EXPIRES=timedelta(hours=1),
                   JWT_REFRESH_WINDOW=timedelta(minutes=30), **store)
    client = app.test_client()
    user_id = AuthActions(client).register().get_json()["user"]["id"]
    signed_in_at = int(time.time()) - 50 * 60
    with app.app_context():
        token = sessions.create_session_token(user_id, signed_in_at)
        assert sessions.create_session_token(user_id, signed_in_at - 11 * 60) is None
    assert claims_of(token)["exp"] == signed_in_at + 3600  # ten minutes left, not an hour
    client.set_cookie("access_token_cookie", token)
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers, "no refresh can give more time"
    assert client.get_cookie("access_token_cookie").value == token


def test_refresh_keeps_the_sign_in_time(make_app, store):
    app = make_app(JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=10),
                   JWT_REFRESH_WINDOW=timedelta(minutes=30), **store)
    browser = AuthActions(app.test_client())
    browser.register()
    first = claims_of(cookie_token(browser))
    time.sleep(1.05)
    assert me_status(browser) == 200
    refreshed = claims_of(cookie_token(browser))
    assert refreshed["exp"] > first["exp"]
    assert refreshed["auth_time"] == first["auth_time"]


def test_revocation_holds_while_redis_is_down(make_app):
    """Revocations are written to the database too, which answers when Redis does not."""
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    client = AuthActions(app.test_client())
    client.register()
    other = second_session(app)
    assert client.client.post("/api/v1/logout", headers=client.headers).status_code == 200
    assert me_status(client, bearer=True) == 401
    assert me_status(other, bearer=True) == 200
