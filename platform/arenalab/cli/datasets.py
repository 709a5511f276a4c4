"""``arenalab datasets ls|describe|export``: what the episode datasets hold, and copies of them."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from arenalab.cli.settings import settings_or_exit
from arenalab.datasets.export import ExportError, ExportFormat
from arenalab.datasets.selection import Selection, SelectorError, parse_selector


def selection_or_exit(selector: str) -> Selection:
    """Parse a ``--dataset`` selector, or print the field at fault and exit with status 2."""
    try:
        return parse_selector(selector)
    except SelectorError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


app = typer.Typer(help="Episode datasets: list, describe and export them.", no_args_is_help=True)


def _size(count: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count} B"


@app.command("ls")
def ls_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List datasets with their size, episodes, frames and schema version."""
    from rich.console import Console
    from rich.table import Table

    from arenalab.datasets.catalog import list_datasets
    from arenalab.storage import open_storage

    found = list_datasets(open_storage(settings_or_exit()))
    if as_json:
        typer.echo(json.dumps([info.to_dict() for info in found], indent=2))
        return
    table = Table("game", "source", "files", "size", "episodes", "frames", "schema", "days")
    for info in found:
        frames = str(info.rows) if info.source == "game" else "-"
        versions = ",".join(map(str, info.schema_versions)) or "rllib-episodes"
        days = f"{info.days[0]}..{info.days[-1]}" if info.days else "-"
        table.add_row(
            info.game,
            info.source.value,
            str(info.files),
            _size(info.bytes),
            str(info.episodes),
            frames,
            versions,
            days,
        )
    Console().print(table)


@app.command("describe")
def describe_command(
    game: Annotated[str, typer.Argument(help="Dataset (game) name.")] = "arena",
) -> None:
    """Show one dataset as JSON: per-source totals, fighters, days and closed episodes."""
    from arenalab.datasets.catalog import describe_frames, describe_sim
    from arenalab.registry import Registry
    from arenalab.storage import open_storage

    settings = settings_or_exit()
    storage = open_storage(settings)
    frames, sim = describe_frames(storage, game), describe_sim(storage, game)
    closed = {
        episode.id for episode in Registry.from_settings(settings).list_episodes(status="closed")
    }
    report = {
        "game": frames.to_dict(),
        "sim": sim.to_dict(),
        "closed_game_episodes": len(closed),
    }
    typer.echo(json.dumps(report, indent=2, default=str))


@app.command("export")
def export_command(
    out: Annotated[
        str,
        typer.Argument(help="Output folder or URI (minari: a local Minari datasets root)."),
    ],
    dataset: Annotated[
        str, typer.Option("--dataset", help="Selector, as for `arenalab offline`.")
    ] = "game=arena",
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="Output format.")
    ] = ExportFormat.PARQUET,
) -> None:
    """Export the selected episodes' RLlib view as Parquet rows or a Minari dataset."""
    from arenalab.cluster import connect_ray
    from arenalab.datasets.export import export_selection
    from arenalab.datasets.view import EmptySelectionError, closed_episode_ids
    from arenalab.registry import Registry
    from arenalab.storage import open_storage

    settings = settings_or_exit()
    selection = selection_or_exit(dataset)
    closed = closed_episode_ids(Registry.from_settings(settings), selection)
    connect_ray(settings)
    try:
        summary = export_selection(open_storage(settings), selection, closed, out, fmt)
    except (EmptySelectionError, ExportError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps(summary))
