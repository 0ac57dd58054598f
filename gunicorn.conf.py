"""gunicorn settings, read from the environment (gunicorn -c gunicorn.conf.py wsgi:app)."""

import json
import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads let slow clients and open live streams (capped at LIVE_MAX_STREAMS per process)
# wait without blocking the worker.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
# gunicorn quietly runs "sync" with more than one thread as gthread, so sync defaults to one.
threads = int(os.environ.get("GUNICORN_THREADS") or ("1" if worker_class == "sync" else "16"))
# A worker silent for this long is killed and replaced; on SIGTERM, workers get
# graceful_timeout to finish requests in flight (live streams end and clients reconnect).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = 5

# Logs are JSON lines. The app writes the per-request line itself (it knows the request
# id and the user), so gunicorn's access log stays off unless GUNICORN_ACCESS_LOG names a
# destination ("-" for stdout); it is JSON too.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
access_log_format = json.dumps({
    "time": "%(t)s", "level": "info", "logger": "gunicorn.access", "remote": "%(h)s",
    "method": "%(m)s", "path": "%(U)s", "status": "%(s)s", "bytes": "%(B)s",
    "duration_ms": "%(M)s", "request_id": "%({x-request-id}o)s",
    "user_agent": "%(a)s",
})
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
# gunicorn's own lines (starting, listening, booting workers); `make run` keeps them to
# warnings so its start stays short, while request lines still follow at LOG_LEVEL.
server_loglevel = os.environ.get("GUNICORN_LOG_LEVEL") or loglevel
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    # Access lines are already JSON (access_log_format); everything else is wrapped.
    "formatters": {"json": {"()": "app.observability.JsonFormatter"},
                   "as_is": {"format": "%(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json",
                             "stream": "ext://sys.stderr"},
                 "access": {"class": "logging.StreamHandler", "formatter": "as_is",
                            "stream": "ext://sys.stdout"}},
    "root": {"level": loglevel.upper(), "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": server_loglevel.upper(), "handlers": ["console"],
                           "propagate": False},
        # With a logging config gunicorn writes access lines whenever this logger has a
        # handler, so it gets one only when GUNICORN_ACCESS_LOG asks for them.
        "gunicorn.access": {"level": "INFO", "handlers": ["access"] if accesslog else [],
                            "propagate": False},
        # Importing alembic (Flask-Migrate) in each worker announces its plugins at INFO.
        "alembic.runtime.plugins": {"level": "WARNING"},
    },
}


def child_exit(server, worker):
    """Drop a dead worker's live gauges from the shared metrics directory."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


# Like nginx's keepalive_requests: a kept-alive connection is closed after this many
# requests, so clients reconnect and the workers' accept race spreads them again. Without
# it, gthread workers can keep every connection of a busy client on one worker.
keepalive_requests = int(os.environ.get("GUNICORN_KEEPALIVE_REQUESTS", "100"))


def pre_request(worker, req):
    if keepalive_requests and req.req_number % keepalive_requests == 0:
        req.must_close = True
