"""One JSON error shape for every failure: {"error": "...", "details": {...}}."""

import logging

import marshmallow as ma
from flask import Flask, Response, g, has_request_context, jsonify, request
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.exceptions import HTTPException

from app.analytics import errors as analytics_errors
from app.database_errors import StatementTimeoutError
from app.observability import logged_path
from app.projects import errors as project_errors
from app.track import errors as ingest_errors
from app.trackers import posthog_errors as tracker_body_errors

log = logging.getLogger(__name__)

# Retry hint sent with 503s caused by an unavailable or locked database.
DATABASE_RETRY_AFTER_SECONDS = 2
# Retry hint after a cancelled slow read: long enough for the load behind it to pass.
STATEMENT_TIMEOUT_RETRY_AFTER_SECONDS = 5

HUMAN_MESSAGES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported content type: send application/json",
    422: "Invalid request",
    429: "Too many requests, slow down",
    500: "Internal server error",
    503: "Service unavailable",
}


# Each domain error's HTTP status: the commands raise these, and only this module speaks HTTP.
DOMAIN_ERROR_STATUS = {
    ingest_errors.InvalidBatch: 400,
    ingest_errors.InvalidEvent: 400,
    ingest_errors.InvalidIngestKey: 401,
    ingest_errors.BatchTooLarge: 413,
    ingest_errors.UnsupportedContentType: 415,
    ingest_errors.UuidTaken: 409,
    ingest_errors.StoreUnavailable: 503,
    tracker_body_errors.InflatedBodyTooLarge: 413,
    tracker_body_errors.UnsupportedEncoding: 415,
    StatementTimeoutError: 503,
    analytics_errors.TooManyEventsToReadError: 400,
    project_errors.NotSignedInError: 401,
    project_errors.RoleTooLowError: 403,
    project_errors.NotAllowedForReaderError: 403,
    project_errors.ProjectNotFoundError: 404,
    project_errors.NotFoundError: 404,
    project_errors.ConflictError: 409,
    project_errors.RegistrationClosedError: 403,
}


class ErrorSchema(ma.Schema):
    """The body of every error response (documentation only)."""

    error = ma.fields.String(required=True, metadata={"description": "Human-readable message"})
    details = ma.fields.Dict(metadata={"description": "Per-field messages, when relevant"})


def error_response(status: int, message: str, details: dict | None = None,
                   headers: dict | None = None) -> Response:
    """Build the JSON error response every handler returns."""
    body: dict = {"error": message}
    if details:
        body["details"] = details
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status != 429 and headers and "Retry-After" in headers and has_request_context():
        g.own_retry_after = headers["Retry-After"]
    return response


def restore_own_retry_after(response: Response) -> Response:
    """Put back the Retry-After an error chose. flask-limiter, adding its headers, raises
    any Retry-After to its window's reset (up to a minute away), so a 503 that asked for a
    retry in 2 s made clients wait a minute. Only a 429 means the window matters.
    """
    own = g.get("own_retry_after")
    if own is not None and response.status_code != 429:
        response.headers["Retry-After"] = own
    return response


def keep_own_retry_after(app: Flask) -> None:
    """Register restore_own_retry_after; call before flask-limiter's init_app, since Flask
    runs after-request functions in reverse order and this one must see the limiter's.
    """
    app.after_request(restore_own_retry_after)


def flatten_validation_messages(messages: dict) -> dict:
    """Turn webargs' {"json": {"age": [...]}} into {"age": [...]}, merging locations."""
    details: dict = {}
    for location_messages in messages.values():
        if isinstance(location_messages, dict):
            details.update(location_messages)
        else:
            details.setdefault("_body", []).extend(location_messages)
    return details


def validation_message(details: dict) -> str:
    """"Invalid request", followed by the first field's first message when it is plain
    text, so the `error` alone says what to fix (a date outside the span, a too long series).
    """
    for field, messages in details.items():
        if isinstance(messages, list) and messages and isinstance(messages[0], str):
            return f"Invalid request: {field}: {messages[0]}"
    return "Invalid request"


def handle_http_exception(error: HTTPException) -> Response:
    """Render any HTTPException (abort, webargs validation, rate limit) as JSON."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    details = None
    if data.get("details"):
        details = data["details"]
        message = data.get("message") or HUMAN_MESSAGES.get(status, "Error")
    elif "messages" in data:
        details = flatten_validation_messages(data["messages"])
        message = data.get("message") or validation_message(details)
    else:
        message = data.get("message") or error.description or HUMAN_MESSAGES.get(status)
        if status in HUMAN_MESSAGES and message == type(error).description:
            # Werkzeug's stock descriptions are long paragraphs; prefer a short sentence.
            message = HUMAN_MESSAGES[status]
    headers = dict(data.get("headers") or {})
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return error_response(status, message, details, headers)


def handle_ingest_error(error: ingest_errors.IngestError) -> Response:
    """A domain error of the ingest pipeline, answered with its status and details."""
    status = DOMAIN_ERROR_STATUS.get(type(error), 400)
    headers = {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)} if status == 503 else None
    return error_response(status, error.message, error.details, headers)


def handle_analytics_error(error: analytics_errors.AnalyticsError) -> Response:
    """An analytics request refused as asked, with the message that says what would fit."""
    return error_response(DOMAIN_ERROR_STATUS.get(type(error), 400), error.message)


def handle_project_error(error: project_errors.ProjectError) -> Response:
    """A project request refused: not signed in, not theirs (404), or not their role."""
    return error_response(DOMAIN_ERROR_STATUS.get(type(error), 400), error.message)


def handle_database_unavailable(error: OperationalError) -> Response:
    """A database that is down or locked past the busy timeout is a 503, never a 500."""
    log.warning("database unavailable on %s %s: %s", request.method, logged_path(),
                error.orig if error.orig is not None else error)
    return error_response(503, "Database unavailable, retry shortly",
                          headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)})


def handle_statement_timeout(error: StatementTimeoutError) -> Response:
    """A read cancelled by its statement timeout: a 503 to retry later, never a held worker."""
    log.warning("statement timeout on %s %s", request.method, logged_path())
    return error_response(DOMAIN_ERROR_STATUS[StatementTimeoutError], error.message,
                          headers={"Retry-After": str(STATEMENT_TIMEOUT_RETRY_AFTER_SECONDS)})


def handle_rejected_value(error: DataError) -> Response:
    """The database refused a value the schemas let through: the input's fault, so a 400."""
    log.warning("database rejected a value on %s %s: %s", request.method, logged_path(),
                error.orig if error.orig is not None else error)
    return error_response(400, "A value in the request cannot be stored")


def handle_unexpected_exception(error: Exception) -> Response:
    """Log the traceback server-side and answer with a body that reveals nothing."""
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    log.exception("unhandled exception on %s %s", request.method, logged_path())
    return error_response(500, HUMAN_MESSAGES[500])


def register_error_handlers(app: Flask) -> None:
    """Install the handlers; call after flask-smorest so ours replace its default."""
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ingest_errors.IngestError, handle_ingest_error)
    app.register_error_handler(analytics_errors.AnalyticsError, handle_analytics_error)
    app.register_error_handler(project_errors.ProjectError, handle_project_error)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(StatementTimeoutError, handle_statement_timeout)
    app.register_error_handler(DataError, handle_rejected_value)
    app.register_error_handler(Exception, handle_unexpected_exception)
