"""Request ids and one structured JSON log line per request."""

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, request
from flask_jwt_extended import get_jwt_identity

from app import metrics

access_log = logging.getLogger("ouroboard.access")

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept when it is plain and short; anything else could forge log lines.
ACCEPTABLE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}\Z")


class JsonFormatter(logging.Formatter):
    """Log records as one JSON object per line, with any structured fields merged in."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def start_request() -> None:
    """Take the caller's request id, or make one, and start the clock."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if ACCEPTABLE_REQUEST_ID.match(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def current_user_id() -> str | None:
    """The authenticated user's id, when this request verified a token."""
    try:
        return get_jwt_identity()
    except RuntimeError:
        return None


# Invitation, share-link and API-token secrets can sit in a path (/invite/obi_…,
# /share/obs_…): whoever reads the logs must not be able to use them.
SECRET_IN_PATH = re.compile(r"\b(ob[ikst])_[A-Za-z0-9_-]+")


def logged_path() -> str:
    """The request's path as logs show it: with any secret token replaced by its kind."""
    return SECRET_IN_PATH.sub(r"\1_…", request.path)


def finish_request(response: Response) -> Response:
    """Echo the request id and write the request's log line."""
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers[REQUEST_ID_HEADER] = request_id
    started = g.get("request_started")
    seconds = time.perf_counter() - started if started else 0.0
    duration_ms = round(seconds * 1000, 2) if started else None
    endpoint = request.url_rule.rule if request.url_rule else metrics.UNMATCHED_ENDPOINT
    metrics.record_request(request.method, endpoint, response.status_code, seconds)
    path = logged_path()
    access_log.info("%s %s %s", request.method, path, response.status_code, extra={
        "fields": {"request_id": request_id, "user_id": current_user_id(),
                   "method": request.method, "path": path,
                   "status": response.status_code, "duration_ms": duration_ms}})
    return response


def init_app(app: Flask) -> None:
    """Register the hooks; the request id is set before any other hook runs."""
    app.before_request_funcs.setdefault(None, []).insert(0, start_request)
    app.after_request(finish_request)
