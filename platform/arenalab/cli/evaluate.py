"""``arenalab evaluate MODEL_ID``: seeded episodes, next to the random and heuristic baselines."""

from typing import Annotated

import typer

from arenalab.cli.settings import settings_or_exit
from arenalab.registry import NotFoundError, Registry
from arenalab.training.evaluation import evaluate_model


def command(
    model_id: Annotated[int, typer.Argument(help="Registry model id (arenalab train prints it).")],
    episodes: Annotated[int, typer.Option(min=1, help="Seeded episodes per policy.")] = 20,
    seed: Annotated[int, typer.Option(min=0, help="First episode seed.")] = 0,
) -> None:
    """Mean return and win rate of a model and of both baselines on the same episodes."""
    registry = Registry.from_settings(settings_or_exit())
    try:
        report = evaluate_model(model_id, episodes=episodes, seed=seed, registry=registry)
    except (NotFoundError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{'policy':10} {'mean return':>12} {'std':>8} {'win rate':>9} {'length':>8}")
    for name in ("model", "random", "heuristic"):
        row = report[name]
        typer.echo(
            f"{name:10} {row['mean_return']:12.2f} {row['std_return']:8.2f} "
            f"{row['win_rate']:9.2f} {row['mean_length']:8.1f}"
        )
    for name in ("random", "heuristic"):
        margin = report["model"]["mean_return"] - report[name]["mean_return"]
        typer.echo(f"vs {name}: {margin:+.2f} mean return")
    if "rating" in report:
        typer.echo(f"rating (Elo vs heuristic at 1000): {report['rating']:.0f}")
