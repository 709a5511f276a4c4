"""``arenalab train``: train an experiment (file or preset) with a live progress line."""

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from arenalab.cli.settings import settings_or_exit
from arenalab.experiments import (
    Experiment,
    ExperimentError,
    build_experiment,
    load_experiment,
    training_settings,
)
from arenalab.registry import NotFoundError
from arenalab.training import RunNotFoundError, TrainingResult, train
from arenalab.training.progress import ProgressDisplay

ExperimentFile = Annotated[
    Path | None, typer.Argument(help="Experiment YAML (see experiments/); omit with --preset.")
]
PresetOption = Annotated[str | None, typer.Option("--preset", help="Start from a preset.")]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override one value: group.param=value (repeatable)."),
]
NameOption = Annotated[
    str | None,
    typer.Option("--name", help="Name the experiment (default: the file's name, else the preset)."),
]


def experiment_or_exit(
    file: Path | None, preset: str | None, sets: list[str] | None, name: str | None = None
) -> Experiment:
    """Validate a file and/or preset plus ``--set`` values, or exit 2 naming the field."""
    try:
        if file is not None:
            experiment = load_experiment(file, preset=preset, sets=sets or [])
        else:
            experiment = build_experiment(preset=preset, sets=sets or [], source="command line")
        return _named(experiment, name, file)
    except ExperimentError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def _named(experiment: Experiment, name: str | None, file: Path | None) -> Experiment:
    """Apply ``--name``; an unnamed experiment takes its preset's name, else its file's."""
    given = name is not None
    if not given and "name" not in experiment.model_fields_set:
        name = experiment.preset or (file.stem if file else None)
    if name is None:
        return experiment
    try:
        experiment.name = name
    except ValidationError as exc:  # a file stem that is no valid name keeps the default
        if given:
            raise ExperimentError(f"--name {name!r}: {exc.errors()[0]['msg']}") from None
    return experiment


def needs_experiment(ctx: typer.Context, file: Path | None, preset: str | None) -> None:
    """Without a file or a preset there is nothing to train: print the usage, exit 2."""
    if file is None and preset is None:
        typer.echo(ctx.get_help(), err=True)
        typer.echo("\nerror: give an experiment FILE (see experiments/) or --preset NAME", err=True)
        raise typer.Exit(2)


def print_warnings(experiment: Experiment) -> None:
    """The parameters the user set that the algorithm ignores, once, before anything starts."""
    for warning in training_settings(experiment)[1]:
        typer.echo(f"warning: {warning}", err=True)


def command(
    ctx: typer.Context,
    experiment_file: ExperimentFile = None,
    preset: PresetOption = None,
    sets: SetOption = None,
    name: NameOption = None,
    env_runners: Annotated[
        int | None, typer.Option("--env-runners", min=0, help="Parallel env runners.")
    ] = None,
    iterations: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many iterations now.")
    ] = None,
    resume: Annotated[
        str | None, typer.Option(help="Continue a run (its id or folder) from its last checkpoint.")
    ] = None,
    session: Annotated[
        int | None,
        typer.Option(help="Report to this existing registry session (what the lab API starts)."),
    ] = None,
) -> None:
    """Train with RLlib; Ctrl-C or SIGTERM pauses with a checkpoint (resume with --resume)."""
    experiment = None
    if resume is None:
        needs_experiment(ctx, experiment_file, preset)
        experiment = experiment_or_exit(experiment_file, preset, sets, name)
        print_warnings(experiment)
    elif experiment_file or preset or sets or name:
        typer.echo("error: --resume continues a run as it was; drop the experiment", err=True)
        raise typer.Exit(2)
    settings = settings_or_exit()
    try:
        with ProgressDisplay() as display:
            result = train(
                experiment,
                env_runners=env_runners,
                resume=resume,
                iterations=iterations,
                progress=display,
                session_id=session,
                settings=settings,
            )
    except (ExperimentError, NotFoundError, RunNotFoundError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    _summary(result)


def _summary(result: TrainingResult) -> None:
    typer.echo(
        f"{result.status}: run {result.run_id} (session {result.session_id}), "
        f"{result.iterations} iterations, {result.env_steps} env steps, "
        f"{result.episodes} episodes"
    )
    typer.echo(f"checkpoint: {result.checkpoint_uri}")
    if result.status == "paused":
        typer.echo(f"resume with: arenalab train --resume {result.run_id}")
    if result.learning_curve_uri:
        typer.echo(f"learning curve: {result.learning_curve_uri}")
    if result.tensorboard_dir:
        typer.echo(f"tensorboard: tensorboard --logdir {result.tensorboard_dir}")
    for model in result.models:
        scores = "not scored"
        if model.eval_return is not None:
            verdict = "clearly beats random" if model.beats_random else "not clearly above random"
            scores = f"eval return {model.eval_return:.2f}, margin over random "
            scores += f"{model.margin:+.2f} ({verdict})"
        if model.rating is not None:
            scores += f", rating {model.rating:.2f}"
        best = " (best)" if model.is_best else ""
        typer.echo(f"model {model.model_id} [{model.module_id}] {scores}{best}")
