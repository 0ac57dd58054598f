"""insightloop's API (seed 000) under /api/compat/insightloop/<slug>: register, log in, track
a feature click into the slug's project, and read its two charts.
"""

from flask import current_app
from flask_jwt_extended import current_user

from app.analytics.routes import COMMON_ERRORS
from app.auth import service as auth_service
from app.auth import sessions
from app.auth.schemas import LoginSchema, RegisterSchema
from app.blueprint import ApiBlueprint, abort
from app.compat import access, schemas, service
from app.compat.documents import document_errors
from app.extensions import limiter
from app.track import sender
from app.track.routes import ingest_rate_limit
from app.web.client import client_of_request

PREFIX = "/api/compat/insightloop/<slug:slug>"
insightloop_bp = ApiBlueprint(
    "compat-insightloop", __name__, url_prefix=PREFIX,
    description="Seed 000 (InsightLoop): its client works unchanged with "
                "/api/compat/insightloop/<project-slug> as its API base URL.")


def credential_limits(endpoint: str):
    """/api/v1's per-IP and per-account limits on `endpoint`, in the very same buckets
    (the scope of a route's own limit is its endpoint), so this path adds no guesses.
    """

    def decorate(view):
        per_ip = limiter.shared_limit(lambda: current_app.config["AUTH_RATE_LIMIT_PER_IP"],
                                      scope=endpoint)
        per_account = limiter.shared_limit(
            lambda: current_app.config["AUTH_RATE_LIMIT_PER_USERNAME"], scope=endpoint,
            key_func=auth_service.username_rate_key)
        return per_ip(per_account(view))

    return decorate


@insightloop_bp.route("/register", methods=["POST"])
@credential_limits("auth.register")
@insightloop_bp.arguments(RegisterSchema())
@insightloop_bp.response(201, schemas.InsightloopMessageSchema)
@document_errors(insightloop_bp, {
    403: "REGISTRATION is closed, or invite and no invitation came",
    404: "The invitation is unknown, used, revoked or expired",
    409: "Username already taken", 429: "Too many attempts"})
def register(payload: dict, slug: str):
    """Create an account (as /api/v1/register, without starting a session)."""
    try:
        auth_service.create_user(**payload)
    except auth_service.WeakPasswordError as exc:
        abort(400, str(exc), details={"password": [str(exc)]})
    except auth_service.UsernameTakenError:
        abort(409, "Username already taken", details={"username": ["Username already taken."]})
    return {"message": "User registered successfully"}


@insightloop_bp.route("/login", methods=["POST"])
@credential_limits("auth.login")
@insightloop_bp.arguments(LoginSchema())
@insightloop_bp.response(200, schemas.LoginTokenSchema)
@document_errors(insightloop_bp, {401: "Invalid username or password",
                                  429: "Too many attempts"})
def login(credentials: dict, slug: str):
    """Check credentials and answer a session token (no cookie: the client keeps it)."""
    user = auth_service.authenticate(credentials["username"], credentials["password"])
    if user is None:
        abort(401, "Invalid username or password")
    return {"token": sessions.create_session_token(user.id)}


@insightloop_bp.route("/track", methods=["POST"])
@ingest_rate_limit
@sender.user_required
@insightloop_bp.arguments(schemas.FeatureClickSchema())
@insightloop_bp.response(201, schemas.InsightloopMessageSchema)
@insightloop_bp.alt_response(202, schema=schemas.InsightloopMessageSchema,
                             description="Queued (INGEST_QUEUE=redis): stored shortly")
@document_errors(insightloop_bp, {
    401: "No valid bearer token (or a cookie session without its CSRF header)",
    404: "No such project, or the user is not a member of it (any signed-in user may "
         "track into `ouroboard`)",
    429: "Rate limit exceeded", 503: "Database unavailable; retry after Retry-After"})
def track(click: dict, slug: str):
    """Record one feature click by the signed-in user in the slug's project, as
    /api/v1/track records it (the user's age group and gender with it).
    """
    project_id = access.writable_project_id(current_user.id, slug)
    result = service.track_click(click["featureName"], current_user._get_current_object(),
                                 project_id, client_of_request())
    if result.queued is not None:
        return {"message": "Interaction queued"}, 202
    return {"message": "Interaction tracked"}


@insightloop_bp.route("/analytics", methods=["GET"])
@access.dialect_read
@insightloop_bp.arguments(schemas.InsightloopAnalyticsArgsSchema(), location="query",
                          as_kwargs=True)
@insightloop_bp.response(200, schemas.ChartsSchema)
@document_errors(insightloop_bp, {**COMMON_ERRORS, 401: (
    "No credential and the project's public sharing is off, or an unknown or revoked "
    "token")})
def analytics(project_id: int, **filters):
    """Events per feature and per day. Without a token only a project with public sharing
    on answers; a member's bearer token (session or API token) reads any of theirs.
    """
    answer, was_cached = service.charts(project_id, filters)
    return answer, 200, {"X-Cache": "hit" if was_cached else "miss"}

