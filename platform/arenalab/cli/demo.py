"""``arenalab demo``: what ``make demo`` runs."""

import typer
from rich.console import Console
from rich.table import Table

from arenalab.cli.settings import settings_or_exit
from arenalab.demo import run_demo


def command() -> None:
    """Run the main job on embedded defaults (local Ray, SQLite, ./data) and check health."""
    console = Console()
    result = run_demo(settings_or_exit(), report=console.print)
    summary = Table("step", "what it showed", title="demo summary")
    for step, shown in result.summary:
        summary.add_row(step, shown)
    console.print(summary)
    table = Table("check", "status", "detail", title="arenalab doctor")
    for check in result.checks:
        table.add_row(check.name, "[green]ok[/]" if check.ok else "[red]FAIL[/]", check.detail)
    console.print(table)
    if not all(check.ok for check in result.checks):
        raise typer.Exit(1)
