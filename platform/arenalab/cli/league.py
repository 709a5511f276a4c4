"""``arenalab league``: rate a fighter's (or an experiment's) models in a seeded round robin."""

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from arenalab.cli.settings import settings_or_exit
from arenalab.registry import NotFoundError, Registry


def command(
    fighter: Annotated[int | None, typer.Option(help="Rate this fighter's models.")] = None,
    experiment: Annotated[
        int | None, typer.Option(help="Rate this experiment's arena models.")
    ] = None,
    fights: Annotated[int, typer.Option(min=1, help="Seeded fights per pairing and seat.")] = 20,
    arena_size: Annotated[float, typer.Option(min=5.0, max=200.0, help="Arena side.")] = 20.0,
    max_steps: Annotated[int, typer.Option(min=1, help="Steps before a fight is a draw.")] = 500,
    store: Annotated[bool, typer.Option(help="Store the ratings on the models.")] = True,
) -> None:
    """Round robin of 1v1 fights with the random and heuristic anchors; prints the table."""
    if (fighter is None) == (experiment is None):
        typer.echo("error: give exactly one of --fighter and --experiment", err=True)
        raise typer.Exit(2)
    settings = settings_or_exit()
    from arenalab.training.tournament import run_league  # imports torch

    try:
        table = run_league(
            Registry.from_settings(settings),
            fighter_id=fighter,
            experiment_id=experiment,
            fights=fights,
            arena_size=arena_size,
            max_steps=max_steps,
            store=store,
            settings=settings,
        )
    except (NotFoundError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    view = Table(
        "rank",
        "player",
        "mu",
        "sigma",
        "ordinal",
        "W/D/L",
        "vs random",
        "vs heuristic",
        "beats random",
        title=f"league: {table.protocol.id}",
    )
    for rank, standing in enumerate(table.standings, start=1):
        versus = [standing.versus.get(a) for a in ("random", "heuristic")]
        view.add_row(
            str(rank),
            standing.name,
            f"{standing.rating.mu:.2f}",
            f"{standing.rating.sigma:.2f}",
            f"{standing.rating.ordinal:.2f}",
            standing.record.wdl(),
            *(record.wdl() if record else "-" for record in versus),
            "-" if standing.model_id is None else ("yes" if standing.beats_random else "no"),
        )
    Console(width=160).print(view)
    typer.echo("anchors are fixed (random mu 15, heuristic mu 25); ordinal = mu - 3 sigma")
    for note in table.skipped:
        typer.echo(f"skipped {note}: another observation layout than the newest model's")
