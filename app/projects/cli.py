"""`flask projects purge`: finish deleting the rows of deleted projects."""

import click
from flask.cli import AppGroup

from app.projects.purge import purge_deleted_projects

projects_cli = AppGroup("projects", help="Operate on projects.")


@projects_cli.command("purge")
def purge_command() -> None:
    """Delete the remaining events and rollup rows of deleted projects (a purge that a
    stopped worker left unfinished); safe to run any time.
    """
    click.echo(f"Purged {purge_deleted_projects()} rows of deleted projects.")
