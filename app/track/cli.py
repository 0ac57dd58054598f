"""Commands: `flask keys create|revoke|list` manage ingestion keys from the shell, and
`flask ingest-worker` stores what the ingestion queue holds.
"""

import os
import signal
import socket

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from app.models import SELF_TRACKING_SLUG
from app.projects import data as projects_data
from app.projects.builtin import self_tracking_project_id
from app.track import keys, keys_data
from app.track import queue_data as queue
from app.track.queue_writer import QueueWriter

keys_cli = AppGroup("keys", help="Manage ingestion keys for websites and apps.")

project_option = click.option(
    "--project", "project_slug", default=SELF_TRACKING_SLUG, show_default=True,
    help="Slug of the project the key sends to.")


def project_id_of(slug: str) -> int:
    """The id of the project with this slug, or a usage error. The self-tracking project
    always has one (made here if the database was built without migrations).
    """
    if slug == SELF_TRACKING_SLUG:
        return self_tracking_project_id()
    project_id = projects_data.project_id_by_slug(slug)
    if project_id is None:
        raise click.BadParameter(f"no project with slug {slug!r}", param_hint="--project")
    return project_id


@keys_cli.command("create")
@click.argument("name")
@project_option
@click.option("--import", "allows_import", is_flag=True,
              help="Let the key send events older than MAX_BACKDATE_DAYS (up to 400 days "
                   "back), to import history; past charts change.")
def create_command(name: str, project_slug: str, allows_import: bool) -> None:
    """Create a key called NAME and print it (it is shown only this once)."""
    if not 1 <= len(name) <= 64:
        raise click.BadParameter("NAME must be 1-64 characters", param_hint="NAME")
    try:
        _, raw_key = keys.create_key(project_id_of(project_slug), name,
                                     allows_import=allows_import)
    except keys.KeyNameTakenError:
        raise click.ClickException(f"a key named {name!r} already exists") from None
    kind = "import key" if allows_import else "ingestion key"
    click.echo(f"Created {kind} {name!r}. Store it now; it cannot be shown again:")
    click.echo(raw_key)


@keys_cli.command("revoke")
@click.argument("name")
@project_option
def revoke_command(name: str, project_slug: str) -> None:
    """Revoke the key called NAME; requests using it get 401 from now on."""
    key = keys.revoke_key(project_id_of(project_slug), name)
    if key is None:
        raise click.ClickException(f"no key named {name!r}")
    click.echo(f"Revoked ingestion key {name!r}.")


@keys_cli.command("list")
@click.option("--project", "project_slug", default=None,
              help="Slug of the project whose keys to list (default: every project's).")
def list_command(project_slug: str | None) -> None:
    """List keys with their prefix, state and kind (import keys may backdate events)."""
    project_id = project_id_of(project_slug) if project_slug is not None else None
    for key in keys_data.list_keys(project_id):
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        kind = "import" if key.allows_import else "live"
        click.echo(f"{key.name}\t{key.key_prefix}…\t{state}\t{kind}"
                   f"\tcreated {key.created_at:%Y-%m-%d}")


@click.command("ingest-worker")
@click.option("--name", default=None,
              help="Consumer name in the writers' group (default: host-pid). A writer "
                   "restarted under its old name first stores what it left unacknowledged.")
@click.option("--drain", is_flag=True,
              help="Store what is queued now, then exit (instead of running until stopped).")
@with_appcontext
def ingest_worker_command(name: str | None, drain: bool) -> None:
    """Store events queued by INGEST_QUEUE=redis; run as many as needed, anywhere.

    Stops cleanly on SIGTERM or Ctrl+C after the round in hand, whose entries are either
    committed and acknowledged or left for the next writer.
    """
    app = current_app._get_current_object()
    if not queue.queue_enabled(app):
        raise click.ClickException("INGEST_QUEUE is not 'redis': there is no queue to write")
    writer = QueueWriter(app, name or f"{socket.gethostname()}-{os.getpid()}")
    if drain:
        click.echo(f"stored {writer.drain()} queued entries")
        return
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: writer.stop.set())
    writer.run()
