"""``arenalab experiments ls|show|presets|schema|mapping``: browse experiments and parameters."""

import json
from pathlib import Path
from typing import Annotated

import typer

from arenalab.cli.settings import settings_or_exit
from arenalab.cli.train import PresetOption, SetOption, experiment_or_exit
from arenalab.experiments import (
    PRESETS,
    dump_experiment,
    experiment_from_record,
    mapping_markdown,
    parameters_schema,
    training_settings,
)
from arenalab.registry import NotFoundError, Registry

app = typer.Typer(help="Experiments, presets and the parameter schema.", no_args_is_help=True)


@app.command(name="ls")
def list_experiments() -> None:
    """Experiments in the registry, oldest first."""
    for row in Registry.from_settings(settings_or_exit()).list_experiments():
        preset = f" preset={row.preset}" if row.preset else ""
        typer.echo(f"{row.id:5d}  {row.name:30} {row.algorithm:7} {row.environment}{preset}")


@app.command()
def show(
    source: Annotated[str, typer.Argument(help="A registry experiment id or a YAML file.")],
    preset: PresetOption = None,
    sets: SetOption = None,
) -> None:
    """The full experiment as YAML, then the parameters that do not apply to its algorithm."""
    if source.isdigit():
        registry = Registry.from_settings(settings_or_exit())
        try:
            experiment = experiment_from_record(registry.get_experiment(int(source)))
        except NotFoundError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
    else:
        experiment = experiment_or_exit(Path(source), preset, sets)
    typer.echo(dump_experiment(experiment), nl=False)
    for warning in training_settings(experiment)[1]:
        typer.echo(f"warning: {warning}", err=True)


@app.command()
def presets() -> None:
    """The presets and what each one changes."""
    for name, preset in PRESETS.items():
        typer.echo(f"{name}: {preset['description']}")
        changes = {key: value for key, value in preset.items() if key != "description"}
        typer.echo("  " + json.dumps(changes, ensure_ascii=False))


@app.command()
def schema() -> None:
    """The parameter schema a form needs (groups, types, ranges, defaults, units), as JSON."""
    typer.echo(json.dumps(parameters_schema(), indent=2, ensure_ascii=False))


@app.command()
def mapping(
    source: Annotated[
        Path | None, typer.Argument(help="Show one experiment's RLlib settings.")
    ] = None,
) -> None:
    """The parameter -> RLlib table, or the exact settings one experiment file produces."""
    if source is None:
        typer.echo(mapping_markdown())
        return
    experiment = experiment_or_exit(source, None, None)
    settings, warnings = training_settings(experiment)
    typer.echo(json.dumps(settings, indent=2, default=str))
    for warning in warnings:
        typer.echo(f"warning: {warning}", err=True)
