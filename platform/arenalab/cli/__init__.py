"""The ``arenalab`` command line: thin Typer adapters over library functions.

Each topic lives in its own module exposing ``app`` (a ``typer.Typer``) or
``command`` (a function); ``COMMANDS`` below mounts them. A command parses
its arguments, calls one library function and prints the answer.
"""

import importlib
from typing import Annotated

import typer

from arenalab.cli.quiet import quiet_ray, verbose_help

app = typer.Typer(
    name="arenalab",
    help="Train, sweep, serve and improve reinforcement-learning agents for games, on Ray.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# (module under arenalab.cli, command or group name): one line per topic.
COMMANDS: list[tuple[str, str]] = [
    ("doctor", "doctor"),
    ("demo", "demo"),
    ("registry", "registry"),
    ("serve", "serve"),
    ("train", "train"),
    ("evaluate", "evaluate"),
    ("watch", "watch"),
    ("models", "models"),
    ("runs", "runs"),
    ("league", "league"),
    ("submit", "submit"),
    ("experiments", "experiments"),
    ("envs", "envs"),
    ("sweep", "sweep"),
    ("offline", "offline"),
    ("datasets", "datasets"),
]


@app.callback()
def _options(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help=verbose_help())] = False,
) -> None:
    """Train, sweep, serve and improve reinforcement-learning agents for games, on Ray."""
    if not verbose:
        quiet_ray()


def _mount() -> None:
    for module_name, name in COMMANDS:
        module = importlib.import_module(f"arenalab.cli.{module_name}")
        if hasattr(module, "app"):
            app.add_typer(module.app, name=name)
        else:
            app.command(name=name)(module.command)


_mount()


def main() -> None:
    """Run the CLI; the console script and ``python -m arenalab`` both land here."""
    app()
