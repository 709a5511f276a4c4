"""``arenalab models ls``: the registered models with their scores, best first per owner."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from arenalab.cli.output import number, print_json, print_table
from arenalab.cli.settings import settings_or_exit
from arenalab.registry import Registry

app = typer.Typer(help="Registered models: list them with their scores.", no_args_is_help=True)

COLUMNS = (
    "id",
    "algorithm",
    "env",
    "policy",
    "experiment",
    "fighter",
    "score",
    "episodes",
    "beats random",
    "rating",
    "best",
)


def model_fields(row: Any) -> dict[str, Any]:
    """One model as JSON: what it is, where its checkpoint is, and how it scored."""
    return {
        "id": row.id,
        "experiment_id": row.experiment_id,
        "fighter_id": row.fighter_id,
        "algorithm": row.algorithm,
        "env_id": row.env_id,
        "obs_spec": row.obs_spec,
        "module_id": row.module_id,
        "score": row.eval_return,
        "eval_episodes": row.eval_episodes,
        "protocol": row.protocol,
        "beats_random": row.beats_random,
        "rating": row.rating,
        "is_best": row.is_best,
        "checkpoint_uri": row.checkpoint_uri,
        "created_at": row.created_at.isoformat(timespec="seconds"),
    }


@app.command("ls")
def ls_command(
    fighter: Annotated[int | None, typer.Option(help="Only this fighter's models.")] = None,
    experiment: Annotated[int | None, typer.Option(help="Only this experiment's models.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """List models, newest first: algorithm, env, score (greedy mean return), rating, best."""
    registry = Registry.from_settings(settings_or_exit())
    rows = registry.list_models(fighter_id=fighter, experiment_id=experiment)
    if as_json:
        print_json([model_fields(row) for row in rows])
        return
    print_table(
        COLUMNS,
        (
            (
                row.id,
                row.algorithm,
                row.env_id.removeprefix("arenalab/"),
                row.module_id,
                row.experiment_id,
                row.fighter_id,
                number(row.eval_return),
                row.eval_episodes,
                "yes" if row.beats_random else "no",
                number(row.rating),
                "best" if row.is_best else "",
            )
            for row in rows
        ),
    )
    if not rows:
        typer.echo("no models yet: `arenalab train` registers one per trained policy")
