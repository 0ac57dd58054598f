"""GET /health: is the service up, and can it reach its database and Redis?"""

import logging

import marshmallow as ma
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from app.blueprint import ApiBlueprint
from app.database import ping
from app.errors import DATABASE_RETRY_AFTER_SECONDS
from app.redis_client import REDIS_ERRORS, redis_client
from app.track import queue_data as ingest_queue

log = logging.getLogger(__name__)

health_bp = ApiBlueprint("health", __name__,
                         description="Liveness, database and Redis reachability.")


class QueueDepthSchema(ma.Schema):
    """How far the queue writers are behind."""

    entries = ma.fields.Integer(required=True, metadata={
        "description": "Requests waiting in the stream, read or not"})
    pending = ma.fields.Integer(required=True, metadata={
        "description": "Of those, read by a writer and not yet committed"})


class HealthSchema(ma.Schema):
    """Health report."""

    status = ma.fields.String(required=True, metadata={
        "description": "ok; degraded when Redis is down (the database serves everything); "
                       "unavailable when the database is down"})
    database = ma.fields.String(required=True, metadata={"description": "ok or down"})
    redis = ma.fields.String(required=True,
                             metadata={"description": "ok, down, or not configured"})
    version = ma.fields.String(required=True,
                               metadata={"description": "Version of the running service"})
    queue = ma.fields.Nested(QueueDepthSchema, allow_none=True, required=True, metadata={
        "description": "The ingestion queue under INGEST_QUEUE=redis (null without it, or "
                       "while Redis is down)"})


def database_is_reachable() -> bool:
    """Return whether the database answers a trivial query; without it the service cannot work."""
    try:
        ping()
        return True
    except SQLAlchemyError as exc:
        log.warning("health check: database unreachable: %s", exc)
        return False


def redis_state() -> str:
    """ok, down, or not configured; Redis only backs the cache, limits and fan-out."""
    client = redis_client()
    if client is None:
        return "not configured"
    try:
        client.ping()
        return "ok"
    except REDIS_ERRORS as exc:
        log.warning("health check: redis unreachable: %s", exc)
        return "down"


def queue_state() -> dict | None:
    """Entries waiting and in the writers' hands, when ingestion goes through the queue."""
    client = redis_client()
    if client is None or not ingest_queue.queue_enabled():
        return None
    try:
        return ingest_queue.queue_depth(client, ingest_queue.stream_name())
    except REDIS_ERRORS:
        return None


@health_bp.route("/health", methods=["GET"])
@health_bp.response(200, HealthSchema)
@health_bp.alt_response(503, schema=HealthSchema, description="Database unreachable")
def health():
    """200 while the database answers (status degraded if Redis is down), else 503."""
    report = {"database": "ok" if database_is_reachable() else "down",
              "redis": redis_state(), "version": current_app.config["APP_VERSION"],
              "queue": queue_state()}
    if report["database"] == "down":
        return ({**report, "status": "unavailable"}, 503,
                {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)})
    return {**report, "status": "degraded" if report["redis"] == "down" else "ok"}
