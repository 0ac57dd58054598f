"""Public sharing of the self-tracking project in development and demo mode, so that the
seed clients, which read analytics without a token, work against `make run` at once.
"""

import os

from flask import current_app

from app.projects import data as project_data
from app.projects.builtin import self_tracking_project_id


def is_development_or_demo() -> bool:
    """Development (APP_ENV unset or development), or a public demo (DEMO_MODE=1)."""
    return current_app.config["APP_ENV"] == "development" or os.environ.get("DEMO_MODE") == "1"


def share_self_tracking_project() -> bool:
    """Turn public sharing on for `ouroboard` (an admin can turn it off in the settings)
    unless it is on already; whether it was turned on. Never in production outside demo
    mode, where public sharing stays off until an admin says.
    """
    if not is_development_or_demo():
        return False
    project_id = self_tracking_project_id()
    if project_data.is_public(project_id):
        return False
    project_data.update_project(project_id, {"public_sharing": True})
    return True
