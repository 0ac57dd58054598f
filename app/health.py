"""GET /health: is the service up, and can it reach its database?"""

import logging

import marshmallow as ma
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.blueprint import ApiBlueprint
from app.extensions import db

log = logging.getLogger(__name__)

health_bp = ApiBlueprint("health", __name__, description="Liveness and database reachability.")


class HealthSchema(ma.Schema):
    """Health report."""

    status = ma.fields.String(required=True, metadata={"description": "ok or unavailable"})
    database = ma.fields.String(required=True, metadata={"description": "ok or down"})
    version = ma.fields.String(required=True)


def database_is_reachable() -> bool:
    """Run a trivial query; any database error means the service cannot work."""
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError as exc:
        log.warning("health check: database unreachable: %s", exc)
        db.session.rollback()
        return False


@health_bp.route("/health", methods=["GET"])
@health_bp.response(200, HealthSchema)
@health_bp.alt_response(503, schema=HealthSchema, description="Database unreachable")
def health():
    """200 when the database answers, 503 when it does not."""
    version = current_app.config["APP_VERSION"]
    if database_is_reachable():
        return {"status": "ok", "database": "ok", "version": version}
    return {"status": "unavailable", "database": "down", "version": version}, 503
