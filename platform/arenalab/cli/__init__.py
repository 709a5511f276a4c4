"""The ``arenalab`` command line: thin Typer adapters over library functions.

Each topic lives in its own module exposing ``app`` (a ``typer.Typer``) or
``command`` (a function), mounted below in the order ``arenalab --help`` lists them.
A command parses its arguments, calls one library function and prints the answer.
"""

from typing import Annotated

import typer

from arenalab.cli import (
    datasets,
    demo,
    doctor,
    envs,
    evaluate,
    experiments,
    league,
    models,
    offline,
    registry,
    runs,
    serve,
    submit,
    sweep,
    train,
    watch,
)
from arenalab.cli.quiet import quiet_ray, verbose_help

app = typer.Typer(
    name="arenalab",
    help="Train, sweep, serve and improve reinforcement-learning agents for games, on Ray.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _options(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help=verbose_help())] = False,
) -> None:
    """Train, sweep, serve and improve reinforcement-learning agents for games, on Ray."""
    if not verbose:
        quiet_ray()


app.command(name="doctor")(doctor.command)
app.command(name="demo")(demo.command)
app.add_typer(registry.app, name="registry")
app.command(name="serve")(serve.command)
app.command(name="train")(train.command)
app.command(name="evaluate")(evaluate.command)
app.command(name="watch")(watch.command)
app.add_typer(models.app, name="models")
app.add_typer(runs.app, name="runs")
app.command(name="league")(league.command)
app.add_typer(submit.app, name="submit")
app.add_typer(experiments.app, name="experiments")
app.add_typer(envs.app, name="envs")
app.add_typer(sweep.app, name="sweep")
app.command(name="offline")(offline.command)
app.add_typer(datasets.app, name="datasets")


def main() -> None:
    """Run the CLI; the console script and ``python -m arenalab`` both land here."""
    app()
