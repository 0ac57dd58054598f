"""analytics-module's API (seed 004) under /api/compat/analytics-module/<slug>: the summary
of a range, and its health check.
"""

from app.analytics.routes import COMMON_ERRORS
from app.blueprint import ApiBlueprint
from app.compat import access, schemas, service
from app.compat.documents import document_errors

module_bp = ApiBlueprint(
    "compat-analytics-module", __name__, url_prefix="/api/compat/analytics-module/<slug:slug>",
    description="Seed 004 (Analytics Module): its frontend works unchanged with "
                "/api/compat/analytics-module/<project-slug> as its API base URL.")


# The seed's reference documents /api/analytics/summary; its data-flow text says
# /analytics/summary under an /api base: both are answered.
@module_bp.route("/api/analytics/summary", methods=["GET"], endpoint="summary_under_api")
@module_bp.route("/analytics/summary", methods=["GET"])
@access.dialect_read
@module_bp.arguments(schemas.SummaryRangeArgsSchema(), location="query", as_kwargs=True)
@module_bp.response(200, schemas.ModuleSummarySchema)
@document_errors(module_bp, {**COMMON_ERRORS, 401: (
    "No credential and the project's public sharing is off, or an unknown or revoked token")})
def summary(project_id: int, start, end):
    """Events, unique users and events per type from `from` to `to`, both inclusive;
    `cached` says whether the answer cache held every figure.
    """
    return service.module_summary(project_id, start, end)


@module_bp.route("/health", methods=["GET"])
@module_bp.response(200, schemas.HealthOkSchema)
def health(slug: str):
    """Always ok while the service answers (GET /health reports the database and Redis)."""
    return {"status": "ok"}
