"""``arenalab experiments ls|show|presets|schema|mapping``: browse experiments and parameters."""

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from arenalab.cli.output import print_json, print_table, readable
from arenalab.cli.settings import settings_or_exit
from arenalab.cli.train import PresetOption, SetOption, experiment_or_exit, print_warnings
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
    print_warnings(experiment)


@app.command()
def presets(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """The presets and what each one changes (the game part per game)."""
    if as_json:
        print_json(PRESETS)
        return
    rows = []
    for name, preset in PRESETS.items():
        changes = {key: value for key, value in preset.items() if key != "description"}
        rows.append((name, preset["description"], "\n".join(_settings(changes))))
    print_table(("preset", "what it is for", "what it changes"), rows)


def _settings(values: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """Nested values as ``group.param = value`` lines."""
    for key, value in values.items():
        if isinstance(value, Mapping):
            yield from _settings(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key} = {_text(value)}"


def _text(value: Any) -> str:
    """A value as a person reads it: text as is, numbers short, lists as JSON."""
    return value if isinstance(value, str) else json.dumps(readable(value), ensure_ascii=False)


@app.command()
def schema() -> None:
    """The parameter schema a form needs (groups, types, ranges, defaults, units), as JSON."""
    typer.echo(json.dumps(parameters_schema(), indent=2, ensure_ascii=False))


@app.command()
def mapping(
    source: Annotated[
        Path | None, typer.Argument(help="Show one experiment's RLlib settings.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """The parameter -> RLlib table (Markdown), or the settings one experiment file produces."""
    if source is None:
        typer.echo(mapping_markdown())
        return
    experiment = experiment_or_exit(source, None, None)
    settings = training_settings(experiment)[0]
    if as_json:
        print_json(settings)
    else:
        rows = ((key, _text(value)) for key, value in settings.items())
        print_table(
            ("AlgorithmConfig.training() keyword", "value"),
            rows,
            title=f"{source}: {experiment.algorithm.value}",
        )
    print_warnings(experiment)
