"""Login and register are rate-limited per IP and per username from one IP."""

import pytest

from app.extensions import limiter
from tests.conftest import DEFAULT_PASSWORD


def attempt_logins(client, count, username="alice", ip="10.0.0.1"):
    return [client.post("/api/v1/login", json={"username": username, "password": "wrong"},
                        environ_base={"REMOTE_ADDR": ip}).status_code for _ in range(count)]


@pytest.fixture(params=["memory", "redis"])
def limited_app(request, make_app):
    overrides = {"AUTH_RATE_LIMIT_PER_IP": "5 per minute",
                 "AUTH_RATE_LIMIT_PER_USERNAME": "3 per minute"}
    if request.param == "redis":
        overrides["RATELIMIT_STORAGE_URI"] = request.getfixturevalue("redis_url")
    app = make_app(**overrides)
    with app.app_context():
        limiter.reset()  # Redis outlives tests; start each one with a clean budget
    return app


def test_login_per_username_limit_returns_429_with_retry_after(limited_app):
    client = limited_app.test_client()
    statuses = attempt_logins(client, 4)
    assert statuses == [401, 401, 401, 429]
    response = client.post("/api/v1/login", json={"username": "alice", "password": "x"},
                           environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert response.get_json()["error"]


def test_failures_from_elsewhere_cannot_lock_the_owner_out(limited_app):
    """An attacker at one address exhausts its budget for user1; user1 elsewhere signs in."""
    client = limited_app.test_client()
    client.post("/api/v1/register", json={"username": "user1", "password": DEFAULT_PASSWORD,
                                          "age": 30, "gender": "Male"},
                environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert attempt_logins(client, 4, username="user1", ip="10.6.6.6") == [401, 401, 401, 429]
    response = client.post("/api/v1/login",
                           json={"username": "user1", "password": DEFAULT_PASSWORD},
                           environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert response.status_code == 200
    assert response.get_json()["user"]["username"] == "user1"
    assert attempt_logins(client, 1, username="user1", ip="10.6.6.6") == [429]


def test_forwarded_address_counts_only_behind_a_trusted_proxy(make_app):
    """Without TRUSTED_PROXIES a client cannot pick a fresh budget by sending X-Forwarded-For;
    behind one proxy, the address it forwards is the client's.
    """
    limits = {"AUTH_RATE_LIMIT_PER_IP": "100 per minute",
              "AUTH_RATE_LIMIT_PER_USERNAME": "2 per minute"}

    def statuses(app, forwarded_for):
        client = app.test_client()
        return [client.post("/api/v1/login", json={"username": "bob", "password": "x"},
                            headers={"X-Forwarded-For": address},
                            environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code
                for address in forwarded_for]

    untrusted = make_app(**limits)
    assert statuses(untrusted, ["1.1.1.1", "2.2.2.2", "3.3.3.3"]) == [401, 401, 429]
    proxied = make_app(TRUSTED_PROXIES=1, **limits)
    assert statuses(proxied, ["1.1.1.1", "1.1.1.1", "1.1.1.1", "2.2.2.2"]) == [401, 401, 429, 401]


def test_username_limit_ignores_case(limited_app):
    client = limited_app.test_client()
    attempt_logins(client, 3, username="alice")
    assert attempt_logins(client, 1, username="ALICE") == [429]


def test_login_per_ip_limit_spans_usernames(limited_app):
    client = limited_app.test_client()
    statuses = [attempt_logins(client, 1, username=f"user{i}")[0] for i in range(6)]
    assert statuses == [401] * 5 + [429]
    assert attempt_logins(client, 1, username="fresh", ip="10.9.9.9") == [401]


def test_register_is_rate_limited_too(limited_app):
    client = limited_app.test_client()
    statuses = [client.post("/api/v1/register", json={
        "username": f"person{i}", "password": DEFAULT_PASSWORD, "age": 30, "gender": "Male",
    }).status_code for i in range(6)]
    assert statuses == [201] * 5 + [429]


def test_login_still_works_when_rate_limit_storage_is_down(make_app, auth):
    """A dead Redis must not turn logins into 500s; limits fall back to memory."""
    app = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",
                   AUTH_RATE_LIMIT_PER_USERNAME="3 per minute")
    client = app.test_client()
    statuses = attempt_logins(client, 5)
    assert statuses == [401, 401, 401, 429, 429]
