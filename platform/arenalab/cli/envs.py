"""``arenalab envs``: list the environments and print their observation specs."""

from __future__ import annotations

import json
from typing import Annotated

import typer

app = typer.Typer(help="List environments and print their observation specs.", no_args_is_help=True)


@app.command(name="ls")
def list_envs() -> None:
    """List every registered environment: name, single/multi-agent, description."""
    from arenalab.envs import CATALOGUE  # keep `arenalab --help` fast

    for entry in CATALOGUE.values():
        kind = "multi-agent" if entry.multi_agent else "single-agent"
        typer.echo(f"{entry.name:<30} {kind:<13} {entry.description}")


@app.command()
def spec(
    game: Annotated[str, typer.Argument(help="arena or pacman.")],
    grid_size: Annotated[
        int | None, typer.Option(help="Pac-Man maze side (the layout depends on it).")
    ] = None,
) -> None:
    """Print a game's observation/action spec as JSON (arena: arena-obs-v1)."""
    from arenalab.envs.specs import describe_spec

    try:
        typer.echo(json.dumps(describe_spec(game, grid_size), indent=2))
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
