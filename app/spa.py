"""Serves the built dashboard from frontend/dist, with index.html for client routes."""

from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, send_from_directory
from werkzeug.routing import PathConverter

spa_bp = Blueprint("spa", __name__)

ONE_YEAR_SECONDS = 365 * 24 * 3600
# The public tracker keeps a stable URL for embedding sites, so it cannot be content-hashed:
# cache it for a day and let browsers revalidate in the background for a week.
TRACKER_CACHE_CONTROL = "public, max-age=86400, stale-while-revalidate=604800"
NOT_BUILT_PAGE = (
    "<!doctype html><title>Ouroboard</title>"
    "<p>The dashboard has not been built yet. Run <code>make build</code> "
    "(or <code>make run</code>) and reload.</p>"
)


API_DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ouroboard API</title>
<link rel="stylesheet" href="/api-docs/swagger-ui.css">
<script src="/api-docs/swagger-ui-bundle.js" defer></script>
<script src="/api-docs/init.js" defer></script>
</head>
<body><div id="swagger-ui"></div></body>
</html>
"""


class ClientPathConverter(PathConverter):
    """A path that is not under /api, so unknown API paths stay JSON 404s."""

    regex = r"(?!api(?:/|$))[^/].*?"


def dist_dir() -> Path:
    """Where the built frontend lives (configurable for tests)."""
    return Path(current_app.config["FRONTEND_DIST"])


def send_index() -> Response:
    """index.html, never cached, so a deploy is picked up on the next load."""
    dist = dist_dir()
    if not (dist / "index.html").is_file():
        return Response(NOT_BUILT_PAGE, status=503, mimetype="text/html")
    response = send_from_directory(dist, "index.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@spa_bp.get("/")
def index() -> Response:
    """The dashboard's entry page."""
    return send_index()


@spa_bp.get("/api/docs")
def api_docs() -> Response:
    """Swagger UI for /api/v1/openapi.json, with its assets from the dashboard build."""
    response = Response(API_DOCS_PAGE, mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    return response


@spa_bp.get("/<client_path:path>")
def client_route(path: str) -> Response:
    """A built file when one exists, otherwise index.html so client routes deep-link."""
    dist = dist_dir()
    candidate = (dist / path).resolve()
    if dist.resolve() in candidate.parents and candidate.is_file():
        response = send_from_directory(dist, path, max_age=3600)
        if path.startswith("assets/"):
            # Vite puts content-hashed files under assets/: safe to cache for a year.
            response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR_SECONDS}, immutable"
        elif path == "t.js":
            response.headers["Cache-Control"] = TRACKER_CACHE_CONTROL
        return response
    return send_index()


def init_app(app: Flask) -> None:
    """Register the converter and the catch-all routes; call after the API blueprints."""
    app.url_map.converters["client_path"] = ClientPathConverter
    app.register_blueprint(spa_bp)
