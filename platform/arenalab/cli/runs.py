"""``arenalab runs ls``: training runs (registry sessions) with their progress and folder."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from arenalab.cli.output import print_json, print_table
from arenalab.cli.settings import settings_or_exit
from arenalab.registry import Registry

app = typer.Typer(help="Training runs: list them with status and progress.", no_args_is_help=True)

COLUMNS = ("session", "run", "experiment", "status", "iterations", "env steps", "started")


def run_fields(session: Any, experiment_names: dict[int, str]) -> dict[str, Any]:
    """One run as JSON: its ids, status, progress and folder."""
    started = session.started_at.isoformat(timespec="seconds") if session.started_at else None
    return {
        "session_id": session.id,
        "run_id": session.run_uri.rstrip("/").rsplit("/", 1)[-1] if session.run_uri else None,
        "experiment_id": session.experiment_id,
        "experiment": experiment_names.get(session.experiment_id),
        "fighter_id": session.fighter_id,
        "status": session.status,
        "iterations": session.iterations,
        "env_steps": session.env_steps,
        "started_at": started,
        "run_uri": session.run_uri,
        "error": session.error,
    }


@app.command("ls")
def ls_command(
    experiment: Annotated[int | None, typer.Option(help="Only this experiment's runs.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """List runs, oldest first; `arenalab train --resume RUN` continues a paused one."""
    registry = Registry.from_settings(settings_or_exit())
    names = {row.id: row.name for row in registry.list_experiments()}
    runs = [run_fields(session, names) for session in registry.list_sessions(experiment)]
    if as_json:
        print_json(runs)
        return
    print_table(
        COLUMNS,
        (
            (
                run["session_id"],
                run["run_id"],
                run["experiment"],
                run["status"],
                run["iterations"],
                run["env_steps"],
                (run["started_at"] or "-").replace("T", " "),
            )
            for run in runs
        ),
    )
    if not runs:
        typer.echo(
            "no runs yet: `arenalab train FILE` or `arenalab train --preset NAME` starts one"
        )
