"""``arenalab doctor``: is this machine ready to run arenalab?

It runs the probes ``GET /health`` reports (:mod:`arenalab.health`) on components it
opens from the settings, so the two agree on what "healthy" means.
"""

from functools import partial
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from arenalab import health
from arenalab.cli.settings import settings_or_exit
from arenalab.registry import Registry
from arenalab.settings import Settings
from arenalab.storage import open_storage


def command(
    skip_ray: Annotated[bool, typer.Option("--skip-ray", help="Do not start or join Ray.")] = False,
) -> None:
    """Print versions and check Ray, storage and the registry; exit 1 if anything is wrong."""
    settings = settings_or_exit()
    console = Console()
    console.print(" ".join(f"{name} {version}" for name, version in health.versions().items()))
    report = check(settings, ray=not skip_ray)
    console.print(table(report, settings))
    if health.status(report) == "unhealthy":
        raise typer.Exit(1)


def check(settings: Settings, *, ray: bool = True) -> dict[str, health.Facts]:
    """The registry (created or upgraded), the storage and, unless told not to, Ray."""
    probes = {"registry": partial(_registry, settings), "storage": partial(_storage, settings)}
    if ray:
        probes["ray"] = partial(_ray, settings)
    return health.run(probes)


def table(report: dict[str, health.Facts], settings: Settings) -> Table:
    """One row per probe: ok or FAIL, and what it found in words."""
    rows = Table("check", "status", "detail", title="arenalab doctor")
    for name, facts in report.items():
        detail = DESCRIBE[name](facts, settings) if facts["ok"] else facts["error"]
        rows.add_row(name, "[green]ok[/]" if facts["ok"] else "[red]FAIL[/]", detail)
    return rows


def _registry(settings: Settings) -> health.Facts:
    registry = Registry.from_url(settings.database_url)
    try:
        url = registry.engine.url.render_as_string(hide_password=True)
        return {"url": url, **health.database(registry), **health.models(registry)}
    finally:
        registry.engine.dispose()


def _storage(settings: Settings) -> health.Facts:
    return health.storage(open_storage(settings))


def _ray(settings: Settings) -> health.Facts:
    with health.joined_ray(settings):
        return health.ray_cluster()


DESCRIBE = {
    "registry": lambda f, _: (
        f"{f['url']} at revision {f['revision']}, {f['registered']} model(s), {f['best']} best"
    ),
    "storage": lambda f, _: f"{f['uri']} writable",
    "ray": lambda f, settings: (
        f"{settings.ray_address or 'local'}: {f['nodes']} node(s), "
        f"{f['cpus']:g} CPU, {f['gpus']:g} GPU"
    ),
}
