"""``arenalab registry``: schema status, upgrades, backups and restores."""

from pathlib import Path
from typing import Annotated

import typer

from arenalab.cli.settings import settings_or_exit
from arenalab.registry import Registry
from arenalab.registry.backup import BackupError, backup, restore
from arenalab.registry.database import schema_revision

app = typer.Typer(help="Manage the registry database (SQLite or PostgreSQL).", no_args_is_help=True)


def _open() -> Registry:
    return Registry.from_url(settings_or_exit().database_url)


@app.command()
def status() -> None:
    """Print the database URL and schema revision (creating or upgrading it if needed)."""
    registry = _open()
    url = registry.engine.url.render_as_string(hide_password=True)
    typer.echo(f"{url} revision {schema_revision(registry.engine)}")


@app.command(name="backup")
def backup_command(
    file: Annotated[Path, typer.Argument(help="Where to write the backup.")],
) -> None:
    """Write a consistent copy of the registry while it stays in use."""
    try:
        typer.echo(f"backed up to {backup(_open().engine, file)}")
    except BackupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


@app.command(name="restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="A file written by `backup`.")],
) -> None:
    """Replace the registry's contents with a backup."""
    try:
        restore(_open().engine, file)
    except BackupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"restored from {file}")
