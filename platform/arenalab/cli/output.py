"""How commands print: tables for people, JSON for scripts, numbers at a readable precision."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

SIGNIFICANT = 6
"""Digits a number keeps in JSON output: ``-112.806`` instead of ``-112.80600000000011``."""


def readable(value: Any) -> Any:
    """``value`` with every float at ``SIGNIFICANT`` digits (nested lists and dicts too)."""
    if isinstance(value, float):
        return float(f"{value:.{SIGNIFICANT}g}") if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(key): readable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [readable(item) for item in value]
    return value


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON for scripts (dates and enums as their text)."""
    typer.echo(json.dumps(readable(data), indent=2, ensure_ascii=False, default=str))


def number(value: float | None, digits: int = 2) -> str:
    """A table cell for a float: fixed decimals, ``-`` when there is none."""
    return "-" if value is None else f"{value:.{digits}f}"


def print_table(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], title: str | None = None
) -> None:
    """Print rows under the column headers as a table (cells are shown with ``str``)."""
    table = Table(*columns, title=title)
    for row in rows:
        table.add_row(*("-" if cell is None else str(cell) for cell in row))
    console = Console()
    (console if console.is_terminal else Console(width=160)).print(table)  # files: no wrapping
