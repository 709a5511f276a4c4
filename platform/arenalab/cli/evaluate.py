"""``arenalab evaluate MODEL_ID``: the scoring protocol, next to the random and heuristic."""

from typing import Annotated

import typer

from arenalab.cli.settings import settings_or_exit
from arenalab.registry import NotFoundError, Registry


def command(
    model_id: Annotated[int, typer.Argument(help="Registry model id (arenalab train prints it).")],
    episodes: Annotated[
        int, typer.Option(min=1, help="Seeded episodes (fights per anchor); >= 100 decides best.")
    ] = 100,
    record: Annotated[
        bool, typer.Option("--record", help="Store this score on the model (may make it best).")
    ] = False,
) -> None:
    """Score a model greedily, as /act serves it, on seeds 10000.. next to both baselines."""
    settings = settings_or_exit()
    from arenalab.training.evaluation import evaluate_model, score_lines  # noqa: PLC0415

    registry = Registry.from_settings(settings)
    try:
        score = evaluate_model(
            model_id, episodes=episodes, record=record, registry=registry, settings=settings
        )
    except (NotFoundError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"protocol: {score.protocol.id}")
    for line in score_lines(score):
        typer.echo(line)
    if record:
        row = registry.get_model(model_id)
        typer.echo(f"recorded on model {model_id}: {'best' if row.is_best else 'not best'}")
