"""Caching headers for API answers: analytics and ingest results are private and change
with every event, so neither a browser nor a proxy may keep a copy.
"""

from flask import Flask, Response, request

API_PREFIX = "/api/"


def forbid_storing_api_json(response: Response) -> Response:
    """`Cache-Control: no-store` on every JSON answer under /api/, errors included.

    Answers that chose their own caching (the live stream, the CSV export) keep it;
    static assets and the dashboard are outside /api/ and untouched.
    """
    if request.path.startswith(API_PREFIX) and response.is_json:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def register_response_headers(app: Flask) -> None:
    """Register the header hook on the application."""
    app.after_request(forbid_storing_api_json)
