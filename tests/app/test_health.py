"""app/health.py: GET /health reports the database and Redis, and 503s without a database."""


def test_health_reports_database_ok(client):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["version"]


def test_health_is_503_when_database_is_down(make_app, unreachable_database_url):
    client = make_app(SQLALCHEMY_DATABASE_URI=unreachable_database_url).test_client()
    response = client.get("/health")
    assert response.status_code == 503
    assert response.get_json()["database"] == "down"


CLOSED_REDIS_PORT_URL = "redis://127.0.0.1:1/0"


def test_health_without_redis_says_not_configured(client):
    body = client.get("/health").get_json()
    assert body["status"] == "ok" and body["redis"] == "not configured"


def test_health_is_degraded_not_down_when_redis_is_unreachable(make_app):
    client = make_app(REDIS_URL=CLOSED_REDIS_PORT_URL).test_client()
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json()["status"] == "degraded"
    assert response.get_json()["redis"] == "down"
    assert response.get_json()["database"] == "ok"


def test_health_reports_reachable_redis(make_app, redis_url):
    body = make_app(REDIS_URL=redis_url).test_client().get("/health").get_json()
    assert (body["status"], body["redis"]) == ("ok", "ok")


def test_health_is_503_when_database_down_even_with_redis_down(make_app, tmp_path):
    client = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}",
                      REDIS_URL=CLOSED_REDIS_PORT_URL).test_client()
    response = client.get("/health")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"
    assert response.headers["Retry-After"] == "2"
