"""``arenalab doctor``: is this machine ready to run arenalab?"""

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from arenalab.cli.settings import settings_or_exit
from arenalab.doctor import run_checks, versions


def command(
    skip_ray: Annotated[bool, typer.Option("--skip-ray", help="Do not start or join Ray.")] = False,
) -> None:
    """Print versions and check Ray, storage and the registry; exit 1 if anything is wrong."""
    settings = settings_or_exit()
    console = Console()
    console.print(" ".join(f"{name} {version}" for name, version in versions().items()))
    table = Table("check", "status", "detail", title="arenalab doctor")
    checks = run_checks(settings, skip=("ray",) if skip_ray else ())
    for check in checks:
        table.add_row(check.name, "[green]ok[/]" if check.ok else "[red]FAIL[/]", check.detail)
    console.print(table)
    if not all(check.ok for check in checks):
        raise typer.Exit(1)
