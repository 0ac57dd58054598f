"""`flask keys create|revoke|list`: manage ingestion keys from the shell."""

import click
from flask.cli import AppGroup

from app.track import keys, keys_data

keys_cli = AppGroup("keys", help="Manage ingestion keys for websites and apps.")


@keys_cli.command("create")
@click.argument("name")
def create_command(name: str) -> None:
    """Create a key called NAME and print it (it is shown only this once)."""
    if not 1 <= len(name) <= 64:
        raise click.BadParameter("NAME must be 1-64 characters", param_hint="NAME")
    try:
        _, raw_key = keys.create_key(name)
    except keys.KeyNameTakenError:
        raise click.ClickException(f"a key named {name!r} already exists") from None
    click.echo(f"Created ingestion key {name!r}. Store it now; it cannot be shown again:")
    click.echo(raw_key)


@keys_cli.command("revoke")
@click.argument("name")
def revoke_command(name: str) -> None:
    """Revoke the key called NAME; requests using it get 401 from now on."""
    key = keys.revoke_key(name)
    if key is None:
        raise click.ClickException(f"no key named {name!r}")
    click.echo(f"Revoked ingestion key {name!r}.")


@keys_cli.command("list")
def list_command() -> None:
    """List keys with their prefix and state."""
    for key in keys_data.list_keys():
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        click.echo(f"{key.name}\t{key.key_prefix}…\t{state}\tcreated {key.created_at:%Y-%m-%d}")
