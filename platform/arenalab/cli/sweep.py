"""``arenalab sweep FILE``, ``arenalab sweep --resume NAME``, ``arenalab sweep report NAME``.

``sweep`` is a group whose default command is ``run``: anything that is not a
subcommand name (a file, ``--resume``) is handed to ``run``, so the three forms above
read naturally while ``report`` stays a real subcommand with its own ``--help``.
Ray and Tune are imported only inside the commands (``arenalab --help`` stays fast).
"""

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
    help="Sweep experiment parameters with Ray Tune: `arenalab sweep FILE`, "
    "`arenalab sweep --resume NAME`, `arenalab sweep report NAME`.",
    no_args_is_help=True,
)
console = Console()


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
) -> None:
    """Run (or resume) a sweep, print the ranked trials, register the best model."""
    from arenalab.sweeps import SweepError, load_sweep, resume_sweep, run_sweep  # noqa: PLC0415

    settings = settings_or_exit()
    if (file is None) == (resume is None):
        typer.echo("error: give a sweep FILE or --resume NAME (not both)", err=True)
        raise typer.Exit(2)
    try:
        if resume is not None:
            outcome = resume_sweep(resume, settings=settings)
        else:
            outcome = run_sweep(load_sweep(file), name=name, settings=settings)
    except SweepError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    _print_outcome(outcome)


@app.command()
def report(
    name: Annotated[str, typer.Argument(help="The sweep's name (its folder under sweeps/).")],
    out: Annotated[
        Path | None, typer.Option(help="Also write report.png and report.csv into this folder.")
    ] = None,
) -> None:
    """Write a PNG (learning curves, parameter vs final metric) and a CSV of the trials."""
    from arenalab.sweeps import SweepError, write_report  # noqa: PLC0415

    settings = settings_or_exit()
    try:
        written = write_report(name, out_dir=out, settings=settings)
    except SweepError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"plot: {written.png_uri}\ntable: {written.csv_uri}")


def _print_outcome(outcome: Any) -> None:
    """The ranked table, where results live, and the registered model."""
    params = list(outcome.trials[0].params) if outcome.trials else []
    table = Table(title=f"sweep {outcome.name}: {outcome.mode} {outcome.metric}")
    table.add_column("rank", justify="right")
    table.add_column("trial", no_wrap=True)
    for column in ("status", "iters", outcome.metric.rpartition("/")[2]):
        table.add_column(column, justify="right")
    for key in params:  # the group is in the file; the name is enough here
        table.add_column(key.rpartition(".")[2], justify="right")
    for rank, row in enumerate(outcome.trials[:TOP_ROWS], 1):
        metric = "-" if row.metric is None else f"{row.metric:.3f}"
        values = [f"{v:.4g}" if isinstance(v, float) else str(v) for v in row.params.values()]
        table.add_row(str(rank), row.trial_id, row.status, str(row.iterations), metric, *values)
    console.print(table)
    if len(outcome.trials) > TOP_ROWS:
        console.print(f"... {len(outcome.trials) - TOP_ROWS} more in `arenalab sweep report`")
    console.print(f"results: {outcome.uri}  (tensorboard --logdir {outcome.uri})")
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
