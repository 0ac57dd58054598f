"""Configuration classes, chosen by APP_ENV and filled from the environment.

`.env` is loaded when present, so a developer can keep local settings out of the shell.
"""

import os
from datetime import timedelta
from pathlib import Path

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
load_dotenv(BASE_DIR / ".env")

MIB = 1024 * 1024


def normalize_database_url(url: str | None, instance_dir: Path | None) -> str:
    """Return a SQLAlchemy URL: SQLite under instance/ by default, Postgres through psycopg 3."""
    if not url:
        return f"sqlite:///{instance_dir / 'ouroboard.db'}"
    # Render and Heroku hand out postgres:// URLs; SQLAlchemy wants an explicit driver.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def split_list(value: str | None) -> list[str]:
    """Split a comma-separated environment value, dropping blanks."""
    return [item.strip() for item in (value or "").split(",") if item.strip()]


class Config:
    """Settings shared by every environment."""

    APP_ENV = "base"
    INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR") or BASE_DIR / "instance")
    FRONTEND_DIST = Path(os.environ.get("FRONTEND_DIST") or BASE_DIR / "frontend" / "dist")

    SECRET_KEY = os.environ.get("SECRET_KEY") or os.environ.get("JWT_SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = normalize_database_url(os.environ.get("DATABASE_URL"), INSTANCE_DIR)
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # How long a write waits for a lock before the API gives up with 503 (SQLite busy
    # timeout; Postgres lock_timeout).
    DATABASE_LOCK_TIMEOUT_MS = int(os.environ.get("DATABASE_LOCK_TIMEOUT_MS") or 5000)

    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH") or MIB)

    # Auth: one pinned algorithm, tokens in the Authorization header or in cookies.
    JWT_SECRET_KEY = os.environ.get("JWT_SECRET_KEY")
    JWT_ALGORITHM = "HS256"
    JWT_DECODE_ALGORITHMS = ["HS256"]
    JWT_TOKEN_LOCATION = ["headers", "cookies"]
    JWT_ACCESS_TOKEN_EXPIRES = timedelta(
        minutes=int(os.environ.get("JWT_ACCESS_TOKEN_MINUTES") or 60)
    )
    # A cookie session whose token has less than this left gets a new one on its next request.
    JWT_REFRESH_WINDOW = timedelta(minutes=30)
    JWT_COOKIE_CSRF_PROTECT = True
    JWT_CSRF_CHECK_FORM = False
    JWT_ACCESS_COOKIE_NAME = "access_token_cookie"
    # Lax unless set; create_app switches to None when cross-site CORS_ORIGINS need cookies.
    COOKIE_SAMESITE = os.environ.get("COOKIE_SAMESITE") or None
    JWT_COOKIE_SECURE = False
    JWT_SESSION_COOKIE = False
    # However often a cookie session is refreshed, it ends this long after its sign-in.
    SESSION_MAX_AGE = timedelta(hours=float(os.environ.get("SESSION_MAX_AGE_HOURS") or 168))
    # New passwords must reach this zxcvbn score (0-4; 3 resists offline guessing with a
    # slow hash such as ours).
    PASSWORD_MIN_SCORE = int(os.environ.get("PASSWORD_MIN_SCORE") or 3)

    # Argon2id cost; argon2-cffi's defaults are RFC 9106's low-memory profile.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST_KIB = 65536
    ARGON2_PARALLELISM = 4

    CORS_ORIGINS = split_list(os.environ.get("CORS_ORIGINS"))
    # The public origin of this service (https://analytics.example.com); lets the app tell
    # same-site CORS origins from cross-site ones.
    PUBLIC_URL = os.environ.get("PUBLIC_URL") or None
    # How many reverse proxies in front of us set X-Forwarded-*; 0 trusts none of them, so
    # a client cannot pick its own address for the rate limits.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES") or 0)
    # An MMDB file (GeoLite2 or DB-IP Lite, Country or City) for the visitor's country;
    # without it, the IP-to-country data that ships in the iptocc package is used.
    GEOIP_DATABASE = os.environ.get("GEOIP_DATABASE") or None
    # When set, GET /metrics needs "Authorization: Bearer <token>".
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None
    # In production, /metrics without METRICS_TOKEN is 404 unless this is "1" (say, when
    # only a private network can reach the port).
    METRICS_PUBLIC = os.environ.get("METRICS_PUBLIC") == "1"
    # Sites that send events with an ingestion key; may be "*" since such requests carry
    # no cookies.
    INGEST_CORS_ORIGINS = split_list(os.environ.get("INGEST_CORS_ORIGINS"))
    INGEST_MAX_BATCH_EVENTS = 500
    # Requests arriving together share one transaction (app/track/writer.py).
    INGEST_GROUP_COMMIT = os.environ.get("INGEST_GROUP_COMMIT", "1") != "0"
    # Website analytics at ingest (visitor, visit, source, device, country; bots flagged).
    # "0" stores events without them: for measuring what enrichment costs.
    WEB_ENRICHMENT = os.environ.get("WEB_ENRICHMENT", "1") != "0"
    # Counted in EVENTS, not requests, per ingestion key or user (/track and /events share
    # it): a batch of 500 costs 500. A request that does not fit gets 429 and stores nothing.
    INGEST_RATE_LIMIT = os.environ.get("INGEST_RATE_LIMIT") or "20000 per minute"
    # Events dated further back than this many days are refused, except from an ingestion
    # key created with `flask keys create --import` (those may go back 400 days).
    MAX_BACKDATE_DAYS = int(os.environ.get("MAX_BACKDATE_DAYS") or 7)
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # "redis": /track and /events validate, append the events to a Redis stream and answer
    # 202 once Redis holds them; `flask ingest-worker` processes store them (app/track/
    # queue_data.py). Unset: each request stores its own events before answering (one box).
    INGEST_QUEUE = os.environ.get("INGEST_QUEUE") or None
    INGEST_QUEUE_STREAM = os.environ.get("INGEST_QUEUE_STREAM") or "ouroboard:ingest"
    # Requests waiting in the stream past which ingestion answers 503 with Retry-After, so
    # Redis memory stays bounded while the writers are behind or the database is down.
    INGEST_QUEUE_MAX_ENTRIES = int(os.environ.get("INGEST_QUEUE_MAX_ENTRIES") or 200_000)
    # A writer's entries that stay unacknowledged this long (it was killed mid-batch) are
    # taken over by another writer; the uuid makes a second store of them a no-op.
    INGEST_QUEUE_CLAIM_IDLE_MS = int(os.environ.get("INGEST_QUEUE_CLAIM_IDLE_MS") or 15_000)

    RATELIMIT_STORAGE_URI = REDIS_URL or "ouroboard-memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # If Redis goes away, keep limiting in memory rather than failing requests.
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_KEY_PREFIX = "ouroboard"
    AUTH_RATE_LIMIT_PER_IP = os.environ.get("AUTH_RATE_LIMIT_PER_IP") or "30 per minute"
    # Per username and client address (so nobody elsewhere can use up an account owner's
    # budget and lock them out); for a password change, per signed-in user.
    AUTH_RATE_LIMIT_PER_USERNAME = os.environ.get("AUTH_RATE_LIMIT_PER_USERNAME") or "10 per minute"

    # Analytics cache: shared in Redis when configured; otherwise per process and short-lived,
    # so another worker's ingest is visible within a second.
    CACHE_TYPE = "RedisCache" if REDIS_URL else "SimpleCache"
    CACHE_REDIS_URL = REDIS_URL
    CACHE_DEFAULT_TIMEOUT = 300 if REDIS_URL else 1
    CACHE_KEY_PREFIX = "ouroboard:cache:"
    CACHE_OPTIONS = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5} if REDIS_URL else {}
    CACHE_THRESHOLD = 2000

    # Live stream: each open stream holds a gunicorn thread, so keep well under the thread count.
    LIVE_MAX_STREAMS = int(os.environ.get("LIVE_MAX_STREAMS") or 8)
    # Per user and process, so one person (many tabs, or a script) cannot hold every slot.
    LIVE_MAX_STREAMS_PER_USER = int(os.environ.get("LIVE_MAX_STREAMS_PER_USER") or 3)
    # Also how soon a client that vanished is noticed (the next write fails) and its slot freed.
    LIVE_HEARTBEAT_SECONDS = float(os.environ.get("LIVE_HEARTBEAT_SECONDS") or 15)
    LIVE_MAX_SECONDS = 300

    # Bounded cost of analytics reads. Each statement of an analytics request (the CSV
    # export and the live stream's counts included, never ingestion) is cancelled past this
    # and answered 503 with Retry-After; each export batch gets the full timeout again.
    ANALYTICS_STATEMENT_TIMEOUT_MS = int(os.environ.get("ANALYTICS_STATEMENT_TIMEOUT_MS")
                                         or 5000)
    # Breakdowns other than age group and gender, top pages and the daily export group raw
    # events; past this many matching events they answer 400 naming a range that fits
    # (about 1.5 s of reading on two cores, measured in bench/results.md).
    RAW_READ_MAX_EVENTS = int(os.environ.get("RAW_READ_MAX_EVENTS") or 1_000_000)
    # Per signed-in user, over every analytics endpoint together (the dashboard sends
    # several requests per interaction).
    ANALYTICS_RATE_LIMIT = os.environ.get("ANALYTICS_RATE_LIMIT") or "600 per minute"
    # CSV exports one user may run at once (counted in Redis when configured, else per
    # process); the next is answered 429.
    EXPORT_MAX_CONCURRENT_PER_USER = int(os.environ.get("EXPORT_MAX_CONCURRENT_PER_USER") or 2)
    # An export whose client reads nothing for this long is dropped, freeing its worker.
    EXPORT_STALL_SECONDS = float(os.environ.get("EXPORT_STALL_SECONDS") or 30)
    # No export runs longer than this, however steadily the client reads.
    EXPORT_MAX_SECONDS = float(os.environ.get("EXPORT_MAX_SECONDS") or 900)

    # Who may create an account: "open" (anyone), "invite" (only with an invitation) or
    # "closed" (nobody). The first account of an empty instance may always register.
    REGISTRATION = os.environ.get("REGISTRATION") or "open"
    # In development and demo mode (DEMO_MODE=1), new accounts join the self-tracking
    # project as viewers, so they see the dashboard chart everyone's clicks.
    NEW_ACCOUNTS_JOIN_SELF_TRACKING = True

    # A deleted project's rows are purged by a background thread in batches; tests purge
    # inline so that their assertions see the rows gone.
    PURGE_DELETED_PROJECTS_INLINE = False

    DEMO_PASSWORD = "password123"  # noqa: S105 - documented demo login, not a secret

    API_TITLE = "Ouroboard API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "v1/openapi.json"
    # Swagger UI is served by app/spa.py from the dashboard build (no CDN, no inline script).
    OPENAPI_SWAGGER_UI_PATH = None


class DevelopmentConfig(Config):
    """Local use: a generated JWT secret is acceptable."""

    APP_ENV = "development"


class TestingConfig(Config):
    """The test suite: a throwaway database and cheap password hashing."""

    APP_ENV = "testing"
    TESTING = True
    JWT_SECRET_KEY = "testing-secret-key-that-is-at-least-32-bytes"  # noqa: S105
    SECRET_KEY = JWT_SECRET_KEY
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    # Cheaper Argon2id parameters keep hundreds of logins fast; the algorithm stays the same.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST_KIB = 8192
    ARGON2_PARALLELISM = 1
    RATELIMIT_STORAGE_URI = "ouroboard-memory://"
    REDIS_URL = None
    INGEST_QUEUE = None
    CACHE_TYPE = "SimpleCache"
    CACHE_REDIS_URL = None
    CACHE_OPTIONS = {}
    # One process, so the generation alone invalidates. SimpleCache rounds expiry down to
    # whole seconds, so a one-second timeout can lapse between two requests and flake.
    CACHE_DEFAULT_TIMEOUT = 300
    AUTH_RATE_LIMIT_PER_IP = "1000 per minute"
    AUTH_RATE_LIMIT_PER_USERNAME = "1000 per minute"
    ANALYTICS_RATE_LIMIT = "10000 per minute"
    PURGE_DELETED_PROJECTS_INLINE = True


class ProductionConfig(Config):
    """Deployed: secure cookies and a real secret are mandatory."""

    APP_ENV = "production"
    REGISTRATION = os.environ.get("REGISTRATION") or "invite"
    # A production instance is a team's: nobody joins a project uninvited, unless the
    # operator runs a public demo.
    NEW_ACCOUNTS_JOIN_SELF_TRACKING = os.environ.get("DEMO_MODE") == "1"
    JWT_COOKIE_SECURE = True
    SESSION_COOKIE_SECURE = True
    # __Host- cookies are refused by browsers unless Secure, Path=/ and without Domain, so
    # no subdomain or plain-HTTP page can plant or overwrite the session.
    JWT_ACCESS_COOKIE_NAME = "__Host-access_token"
    JWT_ACCESS_CSRF_COOKIE_NAME = "__Host-csrf_access_token"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(env_name: str | None) -> type[Config]:
    """Pick the configuration class for an APP_ENV value (development by default)."""
    name = (env_name or "development").strip().lower()
    if name not in CONFIGS:
        raise RuntimeError(f"APP_ENV must be one of {sorted(CONFIGS)}, not {env_name!r}")
    return CONFIGS[name]
