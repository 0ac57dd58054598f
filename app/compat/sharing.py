"""Public sharing of the self-tracking project in development and demo mode, so that the
seed clients, which read analytics without a token, work against `make run` at once.
"""

import os

from flask import current_app

from app.models import ShareLink
from app.projects import credentials_data
from app.projects import data as project_data
from app.projects.access import SHARE_PREFIX, hash_secret
from app.projects.builtin import self_tracking_project_id
from app.projects.credentials import PREFIX_LENGTH
from app.projects.invitations import new_secret


def is_development_or_demo() -> bool:
    """Development (APP_ENV unset or development), or a public demo (DEMO_MODE=1)."""
    return current_app.config["APP_ENV"] == "development" or os.environ.get("DEMO_MODE") == "1"


def share_self_tracking_project() -> bool:
    """Turn public sharing on for `ouroboard` (a share link nobody is shown; an admin can
    revoke it in the settings) unless it has a link already; whether one was made.
    Never in production outside demo mode, where sharing stays off until an admin says.
    """
    if not is_development_or_demo():
        return False
    project_id = self_tracking_project_id()
    if project_data.is_shared(project_id):
        return False
    token = new_secret(SHARE_PREFIX)
    credentials_data.insert_share_link(ShareLink(
        project_id=project_id, token_hash=hash_secret(token), token_prefix=token[:PREFIX_LENGTH]))
    return True
