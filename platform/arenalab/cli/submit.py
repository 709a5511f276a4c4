"""``arenalab submit train ...``: the same training as a Ray job, code shipped as a wheel."""

from pathlib import Path
from typing import Annotated

import typer

from arenalab.cli.train import (
    ExperimentFile,
    NameOption,
    PresetOption,
    SetOption,
    experiment_or_exit,
    needs_experiment,
    print_warnings,
)
from arenalab.training.submit import SubmitError, submit_training

app = typer.Typer(help="Run arenalab commands as Ray jobs on a cluster.", no_args_is_help=True)


@app.command(name="train")
def train_job(
    ctx: typer.Context,
    experiment_file: ExperimentFile = None,
    preset: PresetOption = None,
    sets: SetOption = None,
    name: NameOption = None,
    address: Annotated[
        str | None,
        typer.Option(help="Dashboard URL, e.g. http://127.0.0.1:8265 (default: RAY_ADDRESS)."),
    ] = None,
    env_runners: Annotated[int | None, typer.Option("--env-runners", min=0)] = None,
    iterations: Annotated[int | None, typer.Option(min=1)] = None,
    wheel: Annotated[Path | None, typer.Option(help="Prebuilt arenalab wheel.")] = None,
    wait: Annotated[bool, typer.Option(help="Wait for the job and print its logs.")] = False,
) -> None:
    """Submit `python -m arenalab train experiment.yaml` with the arenalab wheel in py_modules."""
    needs_experiment(ctx, experiment_file, preset)
    experiment = experiment_or_exit(experiment_file, preset, sets, name)
    print_warnings(experiment)
    args = []
    if env_runners is not None:
        args += ["--env-runners", str(env_runners)]
    if iterations is not None:
        args += ["--iterations", str(iterations)]
    try:
        job = submit_training(experiment, address=address, train_args=args, wheel=wheel, wait=wait)
    except SubmitError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if job.logs:
        typer.echo(job.logs)
    typer.echo(f"job {job.job_id}: {job.status}")
    if not wait:
        typer.echo(
            f"follow it with: ray job logs -f {job.job_id}; pause: ray job stop {job.job_id}"
        )
