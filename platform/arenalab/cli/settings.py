"""Settings for CLI commands: a bad ``ARENALAB_*`` value ends the command with its name."""

import typer

from arenalab.settings import Settings, SettingsError, get_settings


def settings_or_exit() -> Settings:
    """Load the settings, or print which variable is wrong and exit with status 2."""
    try:
        return get_settings()
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
