"""The optional Redis connection, created lazily per application (never at import time)."""

import logging

import redis
from flask import Flask, current_app

from app.extensions import per_app

log = logging.getLogger(__name__)

EXTENSION_KEY = "ouroboard.redis"
# Fail fast: a Redis outage must not hold requests, which fall back to the database.
SOCKET_TIMEOUT_SECONDS = 0.5

REDIS_ERRORS = (redis.RedisError, ConnectionError, OSError, TimeoutError)


def redis_client(app: Flask | None = None) -> redis.Redis | None:
    """The app's Redis client when REDIS_URL is set, else None."""
    app = app or current_app._get_current_object()
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    return per_app(app, EXTENSION_KEY, lambda: redis.Redis.from_url(
        url, socket_timeout=SOCKET_TIMEOUT_SECONDS,
        socket_connect_timeout=SOCKET_TIMEOUT_SECONDS, health_check_interval=30))


class WarnOnce:
    """Log a warning the first time something fails, and again only after it recovered."""

    def __init__(self, message: str):
        self.message = message
        self.failing = False

    def failed(self, exc: BaseException) -> bool:
        """Record a failure; True when it is the first since the last recovery."""
        first = not self.failing
        if first:
            log.warning("%s: %s", self.message, exc)
        self.failing = True
        return first

    def recovered(self) -> None:
        """Record a success; log once that the failure is over."""
        if self.failing:
            log.warning("%s: recovered", self.message)
        self.failing = False
