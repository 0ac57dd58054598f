"""The built-in self-tracking project: the dashboard's own clicks are counted there."""

from flask import current_app

from app.models import SELF_TRACKING_SLUG
from app.projects import data

SELF_TRACKING_ID = "ouroboard.self_tracking_project_id"


def self_tracking_project_id() -> int:
    """The self-tracking project's id. Created by a migration (or here, in a database
    made without migrations) and never deleted, so each application reads it once (every
    dashboard click needs it).
    """
    found = current_app.extensions.get(SELF_TRACKING_ID)
    if found is None:
        found = data.ensure_project(SELF_TRACKING_SLUG, "Ouroboard")
        current_app.extensions[SELF_TRACKING_ID] = found
    return found
