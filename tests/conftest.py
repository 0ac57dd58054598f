"""Shared fixtures: an app on a fresh database per test, on SQLite and (when configured) Postgres.

Set TEST_DATABASE_URL to run every database-backed test on Postgres too, and TEST_REDIS_URL
to run the Redis-backed variants. Both schemas are built by the real migrations.
The ingestion fixtures (stored, user, ingest_key) live here because tests of app/track,
app/request_guards and create_app's CORS all send events.
"""

import os
import shutil
import uuid

os.environ["APP_ENV"] = "testing"

import flask_migrate  # noqa: E402
import pytest  # noqa: E402
from sqlalchemy import create_engine, func, inspect, select, text  # noqa: E402
from sqlalchemy.exc import ProgrammingError  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Event  # noqa: E402
from app.projects.builtin import self_tracking_project_id
from app.track.keys import create_key  # noqa: E402
from config import normalize_database_url  # noqa: E402

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
DATABASE_KINDS = ["sqlite"] + (["postgres"] if TEST_DATABASE_URL else [])
DEFAULT_PASSWORD = "correct horse battery"


def pytest_sessionstart(session):
    """A configured Postgres or Redis that cannot be reached fails the run: never a silent skip."""
    problems = []
    if TEST_DATABASE_URL:
        try:
            engine = create_engine(normalize_database_url(TEST_DATABASE_URL, instance_dir=None))
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            engine.dispose()
        except Exception as exc:  # noqa: BLE001 - any failure means unreachable
            problems.append(f"TEST_DATABASE_URL is set but unreachable: {exc}")
    if TEST_REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=3).ping()
        except Exception as exc:  # noqa: BLE001
            problems.append(f"TEST_REDIS_URL is set but unreachable: {exc}")
    if problems:
        pytest.exit("\n".join(problems), returncode=3)


def migrate_to_head(database_url: str) -> None:
    """Build the schema with the committed migrations, as production does."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    migrate_to_head(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url():
    """The Postgres test database, wiped and migrated once per session."""
    if not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    url = normalize_database_url(TEST_DATABASE_URL, instance_dir=None)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    migrate_to_head(url)
    return url


@pytest.fixture(scope="session")
def postgres_engine(postgres_url):
    """One engine for wiping tables between tests."""
    engine = create_engine(postgres_url)
    yield engine
    engine.dispose()


@pytest.fixture(params=DATABASE_KINDS)
def database_url(request, tmp_path):
    """A URL to an empty, migrated database of the parametrized kind."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    empty_postgres(request.getfixturevalue("postgres_engine"))
    return request.getfixturevalue("postgres_url")


# The statement that empties the Postgres test database, built once per session.
emptying_sql: list[str] = []


def empty_postgres(engine) -> None:
    """Delete every row, children first, and restart the id sequences, as a fresh database
    has them. About 5 ms where TRUNCATE of every table took 70 ms, a quarter of a typical
    Postgres test. If the schema changed under it (a failed migration test), TRUNCATE
    whatever tables there are instead.
    """
    try:
        if not emptying_sql:
            emptying_sql.append(emptying_statement(engine))
        with engine.begin() as conn:
            conn.exec_driver_sql(emptying_sql[0])
    except ProgrammingError:
        emptying_sql.clear()
        tables = [name for name in inspect(engine).get_table_names()
                  if name != "alembic_version"]
        if tables:
            with engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


def emptying_statement(engine) -> str:
    """DELETEs of the schema's tables in foreign-key order, then sequence restarts."""
    inspector = inspect(engine)
    ordered = [name for name, _ in inspector.get_sorted_table_and_fkc_names()
               if name is not None and name != "alembic_version"]
    with engine.connect() as conn:
        sequences = conn.execute(text(
            "SELECT sequence_name FROM information_schema.sequences "
            "WHERE sequence_schema = 'public'")).scalars().all()
    return "; ".join([*(f"DELETE FROM {name}" for name in reversed(ordered)),
                      *(f"ALTER SEQUENCE {name} RESTART" for name in sequences)])


@pytest.fixture
def make_app(database_url, tmp_path):
    """Build an app on this test's database, with optional config overrides."""
    built = []

    def factory(**overrides):
        config = {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_DIR": tmp_path / "instance",
            "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
        config.update(overrides)
        app = create_app(config)
        built.append(app)
        return app

    yield factory
    for app in built:
        with app.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()


@pytest.fixture
def app(make_app):
    """The application under test with the testing configuration."""
    return make_app()


@pytest.fixture
def client(app):
    """A test client; it keeps cookies like a browser."""
    return app.test_client()


class AuthActions:
    """Register and log in through the real API, as the flaskr tutorial's helper does."""

    def __init__(self, client):
        self.client = client
        self.token = None

    def register(self, username="alice", password=DEFAULT_PASSWORD, age=30, gender="Female"):
        response = self.client.post("/api/v1/register", json={
            "username": username, "password": password, "age": age, "gender": gender,
        })
        if response.status_code == 201:
            self.token = response.get_json()["token"]
        return response

    def login(self, username="alice", password=DEFAULT_PASSWORD):
        response = self.client.post("/api/v1/login",
                                    json={"username": username, "password": password})
        if response.status_code == 200:
            self.token = response.get_json()["token"]
        return response

    @property
    def headers(self) -> dict:
        """Bearer header for API-client style requests."""
        return {"Authorization": f"Bearer {self.token}"}

    def csrf_headers(self) -> dict:
        """The double-submit header a browser sends with a cookie session."""
        cookie = self.client.get_cookie("csrf_access_token")
        return {"X-CSRF-TOKEN": cookie.value if cookie else ""}


@pytest.fixture
def auth(client):
    """Auth helper bound to the test client."""
    return AuthActions(client)


@pytest.fixture
def redis_url():
    """A reachable Redis, or skip (CI always sets TEST_REDIS_URL)."""
    if not TEST_REDIS_URL:
        pytest.skip("TEST_REDIS_URL is not set")
    return TEST_REDIS_URL


class StoredEvents:
    """Read the events table of the app under test."""

    def __init__(self, app):
        self.app = app

    def count(self) -> int:
        with self.app.app_context():
            return db.session.execute(select(func.count(Event.id))).scalar_one()

    def all(self) -> list[Event]:
        with self.app.app_context():
            rows = db.session.execute(select(Event).order_by(Event.id)).scalars().all()
            db.session.expunge_all()
            return rows


@pytest.fixture
def stored(app):
    return StoredEvents(app)


@pytest.fixture
def user(auth):
    """A registered, logged-in user (bearer token in auth.headers, cookies in the client)."""
    response = auth.register(username="tracker", age=41, gender="Male")
    assert response.status_code == 201
    return response.get_json()["user"]


@pytest.fixture
def ingest_key(app):
    """A fresh raw ingestion key."""
    with app.app_context():
        _, raw_key = create_key(self_tracking_project_id(), "test-site")
    return raw_key
