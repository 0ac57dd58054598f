"""What a new account joins: the first account of an instance owns the self-tracking
project and is the instance admin; in development and demo mode every later account joins
it as a viewer (register, then watch the dashboard chart everyone's clicks), and in
production nobody joins a project they were not invited to.
"""

from flask import Flask

from app.models import User
from app.projects import data, invitations
from app.projects.builtin import self_tracking_project_id
from app.signals import user_registered


def on_user_registered(app: Flask, user: User, invitation: str | None = None,
                       **_kwargs) -> None:
    """Give the new account its first memberships: the project of the invitation it
    registered with (first, so an invitation to the self-tracking project gives its role),
    then the self-tracking project's, if it gets one.
    """
    if data.claim_instance_admin(user.id):
        data.add_member(self_tracking_project_id(), user.id, "owner")
        return
    invitations.admit_registered(user.id, invitation)
    if app.config["NEW_ACCOUNTS_JOIN_SELF_TRACKING"]:
        data.add_member(self_tracking_project_id(), user.id, "viewer")


def register_listeners(app: Flask) -> None:
    """Subscribe this app to the auth domain's user_registered signal."""
    user_registered.connect(on_user_registered, sender=app, weak=False)
