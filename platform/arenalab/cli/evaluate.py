"""``arenalab evaluate MODEL_ID``: the scoring protocol, next to the random and heuristic."""

from typing import Annotated, Any

import typer

from arenalab.cli.output import number, print_json, print_table
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
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Score a model greedily, as /act serves it, on seeds 10000.. next to both baselines."""
    settings = settings_or_exit()
    from arenalab.training.evaluation import evaluate_model, verdict

    registry = Registry.from_settings(settings)
    try:
        score = evaluate_model(
            model_id, episodes=episodes, record=record, registry=registry, settings=settings
        )
    except (NotFoundError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    best = registry.get_model(model_id).is_best if record else None
    if as_json:
        print_json({"model_id": model_id, **score.to_dict(), "recorded": record, "is_best": best})
        return
    typer.echo(f"model {model_id}, protocol: {score.protocol.id}")
    print_table(("policy", "vs", "mean return", "std", "win rate", "W/D/L"), _rows(score))
    typer.echo(verdict(score))
    if record:
        typer.echo(f"recorded on model {model_id}: {'best' if best else 'not best'}")


def _rows(score: Any) -> list[tuple[str, ...]]:
    """One row per policy and opponent: the model first, then the baselines."""
    rows = []
    for policy, results in score.results.items():
        for opponent in score.protocol.opponents:
            result = results[opponent]
            record = score.records.get(policy, {}).get(opponent)
            rows.append(
                (
                    policy,
                    opponent,
                    number(result.mean_return),
                    number(result.std_return),
                    number(result.win_rate),
                    record.wdl() if record else "-",
                )
            )
    return rows
