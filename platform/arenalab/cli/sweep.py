"""``arenalab sweep FILE``, ``arenalab sweep --resume NAME``, ``arenalab sweep report NAME``.

``sweep`` is a group whose default command is ``run``: anything that is not a
subcommand name (a file, ``--resume``) is handed to ``run``, so the three forms above
read naturally while ``report`` stays a real subcommand with its own ``--help``.
Ray and Tune are imported only inside the commands (``arenalab --help`` stays fast).
"""

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from arenalab.cli.output import number
from arenalab.cli.settings import settings_or_exit

DEFAULT_COMMAND = "run"
TOP_ROWS = 20


class DefaultToRun(TyperGroup):
    """A group that runs ``run`` when the first argument is not one of its subcommands."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Insert ``run`` unless a subcommand or the group's ``--help`` comes first."""
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=DefaultToRun,
    help="Sweep experiment parameters with Ray Tune: `arenalab sweep FILE [--max-trials N] "
    "[--iterations N]` (a small sweep of any file), `arenalab sweep --resume NAME` (after "
    "Ctrl-C, which checkpoints the running trials and exits 130), `arenalab sweep report "
    "NAME`. Every option: `arenalab sweep run --help`.",
    no_args_is_help=True,
)
LOG_WIDTH = 160
"""Width when stdout is a file or ``ray job logs`` (rich's default 80 cuts the headers)."""
console = Console(width=None if sys.stdout.isatty() else LOG_WIDTH)


@app.command(name=DEFAULT_COMMAND)
def run(
    file: Annotated[
        Path | None, typer.Argument(help="Sweep YAML (see tune_configs/); omit with --resume.")
    ] = None,
    resume: Annotated[
        str | None, typer.Option(help="Continue the sweep NAME after an interruption or kill.")
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Folder name under {storage}/sweeps (default: the file's).")
    ] = None,
    max_trials: Annotated[
        int | None,
        typer.Option(
            min=1, help="Run at most N trials (fewer samples; grids keep their first values)."
        ),
    ] = None,
    iterations: Annotated[
        int | None,
        typer.Option(min=1, help="Stop every trial after at most N training iterations."),
    ] = None,
) -> None:
    """Run (or resume) a sweep, print the ranked trials, register the best model.

    Ctrl-C (or SIGTERM) checkpoints the running trials at the end of their current
    iteration, prints the resume command and exits 130 (143) without registering a
    model; a second Ctrl-C stops at once.
    """
    from arenalab.sweeps import SweepError, load_sweep, resume_sweep, run_sweep
    from arenalab.sweeps.limits import limit_plan, trial_count

    settings = settings_or_exit()
    if (file is None) == (resume is None):
        typer.echo("error: give a sweep FILE or --resume NAME (not both)", err=True)
        raise typer.Exit(2)
    if resume is not None and (max_trials or iterations):
        typer.echo(
            "error: --max-trials and --iterations size a new sweep; a resumed one keeps its own",
            err=True,
        )
        raise typer.Exit(2)
    sweep_name = resume or name
    try:
        if resume is not None:
            outcome = resume_sweep(resume, settings=settings)
        else:
            plan = limit_plan(load_sweep(file), max_trials=max_trials, iterations=iterations)
            sweep_name = name or plan.spec.name
            if max_trials or iterations:
                stop = plan.spec.stop.get("training_iteration")
                console.print(
                    f"small sweep: {trial_count(plan.spec)} trials"
                    + (f", at most {int(stop)} iterations each" if stop else "")
                )
            outcome = run_sweep(plan, name=name, settings=settings)
    except SweepError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:  # Ctrl-C before Tune's loop: nothing new ran
        resume_line = f"; resume with: arenalab sweep --resume {sweep_name}" if sweep_name else ""
        typer.echo(f"interrupted before Tune started the trials{resume_line}", err=True)
        raise typer.Exit(130) from None
    _print_outcome(outcome)
    if not outcome.finished:  # 128 + signal, as a shell reports a process a signal ended
        raise typer.Exit(1 if outcome.interrupted_by is None else 128 + outcome.interrupted_by)


@app.command()
def report(
    name: Annotated[str, typer.Argument(help="The sweep's name (its folder under sweeps/).")],
    out: Annotated[
        Path | None, typer.Option(help="Also write report.png and report.csv into this folder.")
    ] = None,
) -> None:
    """Write a PNG (learning curves, parameter vs final metric) and a CSV of the trials."""
    from arenalab.sweeps import SweepError, write_report

    settings = settings_or_exit()
    try:
        written = write_report(name, out_dir=out, settings=settings)
    except SweepError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"plot: {written.png_uri}\ntable: {written.csv_uri}")


METRIC_LABELS = {
    "episode_return_mean": "mean return",
    "episode_len_mean": "mean episode length",
}
"""Short column headers for the usual metrics (the full key is in the table title)."""


def metric_label(metric: str) -> str:
    """``env_runners/episode_return_mean`` -> ``mean return``; else the last part, in words."""
    last = metric.rpartition("/")[2]
    return METRIC_LABELS.get(last, last.replace("_", " "))


def param_labels(keys: list[str]) -> list[str]:
    """``group.param`` -> ``param``, unless two groups share a param name (then the full key)."""
    short = [key.rpartition(".")[2] for key in keys]
    return [s if short.count(s) == 1 else key for s, key in zip(short, keys, strict=True)]


def _print_outcome(outcome: Any) -> None:
    """The ranked table, where results live, and the registered model (or how to resume)."""
    params = list(outcome.trials[0].params) if outcome.trials else []
    better = "higher" if outcome.mode == "max" else "lower"
    table = Table(title=f"sweep {outcome.name}: ranked by {outcome.metric} ({better} is better)")
    table.add_column("rank", justify="right")
    table.add_column("trial", no_wrap=True)
    table.add_column("state")
    for column in ("iterations", metric_label(outcome.metric), *param_labels(params)):
        table.add_column(column, justify="right")
    for rank, row in enumerate(outcome.trials[:TOP_ROWS], 1):
        metric = "-" if row.metric is None else f"{row.metric:.3f}"
        values = [f"{v:.4g}" if isinstance(v, float) else str(v) for v in row.params.values()]
        table.add_row(str(rank), row.trial_id, row.state, str(row.iterations), metric, *values)
    console.print(table)
    if len(outcome.trials) > TOP_ROWS:
        console.print(f"... {len(outcome.trials) - TOP_ROWS} more in `arenalab sweep report`")
    console.print(f"results: {outcome.uri}  (tensorboard --logdir {outcome.uri})", soft_wrap=True)
    if not outcome.finished:
        _print_resume(outcome)
        return
    for model in outcome.models:
        best = "best model of its experiment" if model.is_best else "not the experiment's best"
        console.print(
            f"registered model {model.model_id} ({model.module_id}) for experiment "
            f"{outcome.experiment_id}: eval return {number(model.eval_return)}, {best}"
        )
    for warning in outcome.warnings:
        console.print(f"warning: {warning}")
    if not outcome.models:
        console.print("no trial reported the metric with a checkpoint; nothing registered")


def _print_resume(outcome: Any) -> None:
    """Why nothing was registered, what is left, and the command that finishes the sweep."""
    cut = sum(1 for row in outcome.unfinished if row.iterations)
    waiting = max(outcome.planned, len(outcome.trials)) - len(outcome.trials)
    waiting += len(outcome.unfinished) - cut
    cause = "interrupted" if outcome.interrupted_by is not None else "stopped early"
    console.print(
        f"sweep {cause}: {cut} trial(s) checkpointed mid-run, {waiting} not started, of "
        f"{max(outcome.planned, len(outcome.trials))}; no model registered (the best so "
        f"far is not the sweep's best).\nresume with: arenalab sweep --resume {outcome.name}",
        soft_wrap=True,  # one line each: the command is copied from the terminal
    )
