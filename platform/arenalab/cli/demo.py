"""``arenalab demo``: what ``make demo`` runs."""

import typer
from rich.console import Console
from rich.table import Table

from arenalab.cli.settings import settings_or_exit
from arenalab.demo import run_demo


def command() -> None:
    """Run the main job on embedded defaults (local Ray, SQLite, ./data) and check health."""
    console = Console()
    checks = run_demo(settings_or_exit(), report=console.print)
    table = Table("check", "status", "detail", title="arenalab doctor")
    for check in checks:
        table.add_row(check.name, "[green]ok[/]" if check.ok else "[red]FAIL[/]", check.detail)
    console.print(table)
    if not all(check.ok for check in checks):
        raise typer.Exit(1)
