"""flask-smorest Blueprint that reports validation errors as 400 in our error shape."""

import flask_smorest
from marshmallow import RAISE
from webargs.flaskparser import FlaskParser
from webargs.flaskparser import abort as webargs_abort

from app.errors import ErrorSchema


class ApiParser(FlaskParser):
    """Invalid input is a plain 400 Bad Request with per-field details."""

    DEFAULT_VALIDATION_STATUS = 400
    # A misspelt filter (startdate=...) must be an error, not silently ignored.
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
                                   "query": RAISE, "querystring": RAISE}


class ApiBlueprint(flask_smorest.Blueprint):
    """Every API blueprint: arguments parsed by ApiParser, errors documented by ErrorSchema."""

    ARGUMENTS_PARSER = ApiParser()

    def alt_response(self, status_code, *args, **kwargs):
        """Document an error response with the common error schema unless told otherwise."""
        if not args and "schema" not in kwargs and "response" not in kwargs \
                and int(status_code) >= 400:
            kwargs["schema"] = ErrorSchema
        return super().alt_response(status_code, *args, **kwargs)


def abort(status: int, message: str, details: dict | None = None,
          headers: dict | None = None):
    """Stop the request with an error in the common shape."""
    webargs_abort(status, message=message, details=details, headers=headers or {})
