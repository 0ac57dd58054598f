"""Ouroboard: a self-hosted product-analytics service that charts its own use."""

import logging
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config, config_for

__version__ = "0.1.0"

log = logging.getLogger(__name__)

MIN_JWT_SECRET_BYTES = 32
# Where websites send events with an ingestion key: ours, and the trackers' own paths.
INGEST_PATHS = (r"/api/v1/events", r"/api/v1/identify", r"/api/event", r"/api/send",
                r"/api/compat/realtime/[^/]+/(api/)?events$",  # seed 003's senders
                r"/(capture|batch|e|i/v0/e|decide|flags|array/[^/]+/config)/?$",  # PostHog's
                r"/v1/(track|page|screen|identify|alias|group|batch|[tpsiagb])$",  # Segment's
                r"/v1/projects/[^/]+/settings$")


def create_app(config: type[Config] | dict | None = None) -> Flask:
    """Build the application.

    `config` is a configuration class, or a dict of overrides applied on top of the class
    chosen by APP_ENV (tests use the latter to swap the database).
    """
    from app import (
        compat,
        database,
        errors,
        metrics,
        observability,
        request_guards,
        spa,
        url_converters,
    )
    from app.analytics import service as analytics_service
    from app.analytics.routes import analytics_bp
    from app.auth import sessions as auth_sessions
    from app.auth.routes import auth_bp
    from app.extensions import api, cache, cors, jwt, limiter
    from app.health import health_bp
    from app.projects import membership as project_membership
    from app.projects.cli import projects_cli
    from app.projects.credential_routes import credentials_bp
    from app.projects.invitation_routes import invitations_bp
    from app.projects.routes import projects_bp
    from app.response_headers import register_response_headers
    from app.track import queue_data as ingest_queue
    from app.track.cli import ingest_worker_command, keys_cli
    from app.track.routes import register_doc_schemas, track_bp
    from app.trackers import plausible, posthog, segment, umami

    app = Flask(__name__, static_folder=None)
    if isinstance(config, type):
        app.config.from_object(config)
    else:
        app.config.from_object(config_for(os.environ.get("APP_ENV")))
        app.config.update(config or {})
    app.config["APP_VERSION"] = __version__
    configure_logging(app)
    configure_secrets(app)
    configure_cookies(app)
    ingest_queue.check_config(app)

    database.init_app(app)
    jwt.init_app(app)
    errors.keep_own_retry_after(app)  # before the limiter: it must run after the limiter's
    limiter.init_app(app)
    cache.init_app(app)
    configure_cors(app, cors)
    api.init_app(app, spec_kwargs=spec_options())
    register_doc_schemas(api)
    plausible.register_doc_schemas(api)
    url_converters.init_app(app, api)
    for blueprint in (health_bp, auth_bp, track_bp, analytics_bp, projects_bp, invitations_bp,
                      credentials_bp, plausible.plausible_bp, umami.umami_bp,
                      posthog.posthog_bp, segment.segment_bp):
        api.register_blueprint(blueprint)
    compat.init_app(app, api)  # the seed systems' dialects
    analytics_service.register_listeners(app)
    project_membership.register_listeners(app)
    app.cli.add_command(keys_cli)
    app.cli.add_command(ingest_worker_command)
    app.cli.add_command(projects_cli)
    errors.register_error_handlers(app)
    request_guards.init_app(app)
    register_response_headers(app)
    observability.init_app(app)
    metrics.init_app(app)
    auth_sessions.init_app(app)
    spa.init_app(app)
    trust_proxies(app)
    return app


def configure_logging(app: Flask) -> None:
    """JSON lines on stderr at INFO, unless logging is already configured (tests, gunicorn
    hooks); LOG_FORMAT=text gives plain lines for reading in a terminal.
    """
    from app.observability import JsonFormatter

    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler()
    if os.environ.get("LOG_FORMAT", "json") == "text":
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    else:
        handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())


def configure_secrets(app: Flask) -> None:
    """Require a strong JWT secret in production; generate and keep one in development."""
    secret = app.config.get("JWT_SECRET_KEY") or ""
    if len(secret.encode()) < MIN_JWT_SECRET_BYTES:
        if app.config["APP_ENV"] == "production":
            raise RuntimeError(
                "JWT_SECRET_KEY must be set to a random value of at least "
                f"{MIN_JWT_SECRET_BYTES} bytes in production (it signs every session); "
                "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        secret = development_secret(Path(app.config["INSTANCE_DIR"]))
        app.config["JWT_SECRET_KEY"] = secret
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret


def development_secret(instance_dir: Path) -> str:
    """Return a random secret kept in instance/ so development sessions survive restarts."""
    secret_file = instance_dir / "jwt_secret"
    if secret_file.is_file():
        return secret_file.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    secret_file.write_text(secret)
    secret_file.chmod(0o600)
    log.warning("JWT_SECRET_KEY is not set: generated a development secret in %s", secret_file)
    return secret


def site_of(origin: str) -> tuple[str, str]:
    """(scheme, registrable domain) of an origin, taking the last two labels of the host;
    a deployment under a two-label public suffix (example.co.uk) sets COOKIE_SAMESITE.
    """
    parts = urlsplit(origin)
    host = (parts.hostname or "").lower()
    labels = host.split(".")
    is_ip = host.replace(".", "").isdigit() or ":" in host
    return parts.scheme, host if is_ip or len(labels) <= 2 else ".".join(labels[-2:])


def configure_cookies(app: Flask) -> None:
    """SameSite=Lax, or None when a CORS origin on another site must send the session
    cookie; None is only honoured by browsers with Secure, so it forces Secure.
    """
    chosen = app.config.get("COOKIE_SAMESITE")
    if chosen:
        samesite = chosen.strip().capitalize()
        if samesite not in ("Lax", "Strict", "None"):
            raise RuntimeError(f"COOKIE_SAMESITE must be Lax, Strict or None, not {chosen!r}")
    else:
        public_url = app.config.get("PUBLIC_URL")
        own_site = site_of(public_url) if public_url else None
        cross_site = [origin for origin in app.config["CORS_ORIGINS"]
                      if origin != "*" and own_site and site_of(origin) != own_site]
        samesite = "None" if cross_site else "Lax"
    app.config["JWT_COOKIE_SAMESITE"] = samesite
    if samesite == "None":
        app.config["JWT_COOKIE_SECURE"] = True


def trust_proxies(app: Flask) -> None:
    """Believe X-Forwarded-For/Proto/Host only from the configured number of proxies."""
    hops = app.config.get("TRUSTED_PROXIES") or 0
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def cors_rule(origins: list[str]) -> dict:
    """flask-cors options for an allowlist; '*' means any origin and never credentials."""
    wildcard = "*" in origins
    return {"origins": "*" if wildcard else origins, "supports_credentials": not wildcard,
            "send_wildcard": wildcard}


def configure_cors(app: Flask, cors) -> None:
    """Cross-origin API access only for allowlisted origins.

    /api/v1/events and the trackers' endpoints also admit INGEST_CORS_ORIGINS: sites
    sending with an ingestion key (Umami's script posts JSON, so it needs CORS).
    """
    api_origins = app.config["CORS_ORIGINS"]
    ingest_origins = api_origins + [origin for origin in app.config["INGEST_CORS_ORIGINS"]
                                    if origin not in api_origins]
    resources = {}
    if ingest_origins:
        for path in INGEST_PATHS:
            resources[path] = cors_rule(ingest_origins)
    if api_origins:
        resources[r"/api/*"] = cors_rule(api_origins)
    if resources:
        cors.init_app(app, resources=resources)


def spec_options() -> dict:
    """The OpenAPI document's options: schemas described by their docstrings, and the
    security schemes (a bearer token, the cookie session plus CSRF header, a key).
    """
    from app.extensions import DocumentedSchemasPlugin

    return {"marshmallow_plugin": DocumentedSchemasPlugin(), "components": {"securitySchemes": {
        "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "access_token_cookie"},
        "ingestKey": {"type": "apiKey", "in": "header", "name": "X-Ouroboard-Key"},
    }}}
