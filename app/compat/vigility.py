"""vigility's API (seed 001) is /api/v1's: /api/compat/vigility/<slug>/<path> is answered by
/api/v1/<path> itself (GET /health by /health), rewritten before routing, so auth, CSRF,
rate limits, validation and the OpenAPI contract are those of /api/v1, unchanged.

The slug scopes the request: it must name a project, analytics read that project (its
`project` parameter is set to the slug), and events are refused (404) unless they go to it.
"""

import copy
import re
from urllib.parse import parse_qsl, urlencode

from flask import Flask, request
from werkzeug.routing import Rule

from app.blueprint import ApiBlueprint
from app.projects import data as project_data
from app.projects.builtin import self_tracking_project_id
from app.projects.errors import ProjectNotFoundError
from app.track.keys import find_active_key
from app.track.sender import raw_key_from
from app.url_converters import SLUG_PATTERN

PREFIX = "/api/compat/vigility/"
ALIAS = re.compile(rf"/api/compat/vigility/({SLUG_PATTERN})(/.*)?\Z")
SLUG_KEY = "ouroboard.compat.vigility_slug"
INGEST_ENDPOINTS = {"track.track", "track.ingest_events", "track.identify_person"}
# The seed's documented paths, as (path under the base, method, the /api/v1 path).
SEED_PATHS = (("/register", "post", "/api/v1/register"), ("/login", "post", "/api/v1/login"),
              ("/logout", "post", "/api/v1/logout"), ("/track", "post", "/api/v1/track"),
              ("/analytics", "get", "/api/v1/analytics"), ("/health", "get", "/health"))


def scoped_query(query_string: str, slug: str) -> str:
    """The query string with `project` set to the slug (whatever the client sent)."""
    pairs = [(name, value) for name, value in parse_qsl(query_string, keep_blank_values=True)
             if name != "project"]
    return urlencode([*pairs, ("project", slug)])


class VigilityAlias:
    """WSGI middleware: rewrite the alias to the /api/v1 path before Flask routes it."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        """Answer the request, through /api/v1 when it is the alias."""
        path = environ.get("PATH_INFO", "")
        match = ALIAS.match(path) if path.startswith(PREFIX) else None
        if match is not None:
            slug, rest = match.group(1), match.group(2) or "/"
            environ["PATH_INFO"] = "/health" if rest == "/health" else "/api/v1" + rest
            environ[SLUG_KEY] = slug
            if rest.startswith("/analytics"):
                environ["QUERY_STRING"] = scoped_query(environ.get("QUERY_STRING", ""), slug)
        return self.wsgi_app(environ, start_response)


def check_alias_project() -> None:
    """Before an aliased view: the slug names a project, and events sent through the alias
    go to it (a session's clicks go to the self-tracking project, a key's to its own).
    """
    slug = request.environ.get(SLUG_KEY)
    if slug is None or request.endpoint == "health.health":
        return
    project_id = project_data.project_id_by_slug(slug)
    if project_id is None:
        raise ProjectNotFoundError(f"No project {slug!r}")
    if request.endpoint not in INGEST_ENDPOINTS:
        return
    destination = self_tracking_project_id()
    if request.endpoint in ("track.ingest_events", "track.identify_person"):
        raw_key = raw_key_from(request.get_json(force=True, silent=True))
        key = find_active_key(raw_key) if raw_key else None
        if raw_key is not None and key is None:
            return  # the view answers 401 for the key
        if key is not None:
            destination = key.project_id
    if destination != project_id:
        raise ProjectNotFoundError(f"Events sent this way go to another project than {slug!r}")


class AliasDocBlueprint(ApiBlueprint):
    """No views of its own: documents the seed's paths under the alias, each a copy of the
    /api/v1 operation that answers it.
    """

    def register_views_in_doc(self, api, app, spec, *, name, parameters):
        """Add the aliased operations once the /api/v1 ones are in the document."""
        super().register_views_in_doc(api, app, spec, name=name, parameters=parameters)
        documented = spec.to_dict()["paths"]
        slug = {"in": "path", "name": "slug", "required": True,
                "description": "The project's slug"}
        for path, method, target in SEED_PATHS:
            operation = copy.deepcopy(documented[target][method])
            operation["tags"] = [name]
            # The slug is the project: a `project` argument is replaced by it.
            operation["parameters"] = [parameter for parameter in operation.get("parameters", [])
                                       if parameter.get("name") != "project"]
            operation["summary"] = f"Alias of {method.upper()} {target}: " + \
                operation.get("summary", "")
            operation["responses"].setdefault("404", {
                "description": "No such project, or events that would go to another one",
                "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/Error"}}}})
            rule = Rule(f"/api/compat/vigility/<slug:slug>{path}", defaults={})
            rule.bind(app.url_map)  # compiled for the document only: routing never sees it
            spec.path(rule=rule, operations={method: operation}, parameters=[slug])


vigility_bp = AliasDocBlueprint(
    "compat-vigility", __name__,
    description="Seed 001 (Vigility): /api/compat/vigility/<project-slug>/<path> is "
                "/api/v1/<path> (GET /health is /health), scoped to the slug's project; "
                "every /api/v1 path works there, the seed's own are listed.")


def init_app(app: Flask) -> None:
    """Install the rewrite and the slug check."""
    app.wsgi_app = VigilityAlias(app.wsgi_app)
    app.before_request(check_alias_project)
