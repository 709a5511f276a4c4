"""Health checks an operator runs first: versions, Ray, storage and the registry.

The same checks back ``arenalab doctor`` and the HTTP ``/health`` report, so
"healthy" means one thing everywhere.
"""

from __future__ import annotations

import importlib.metadata
import platform
import socket
from collections.abc import Callable
from dataclasses import dataclass

from arenalab.cluster import connect_ray
from arenalab.registry import Registry
from arenalab.registry.database import schema_revision
from arenalab.settings import Settings
from arenalab.storage import open_storage

PACKAGES = (
    "arenalab",
    "ray",
    "torch",
    "gymnasium",
    "numpy",
    "pyarrow",
    "fastapi",
    "pydantic",
    "sqlalchemy",
)
RAY_CONNECT_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, whether it passed, and the evidence."""

    name: str
    ok: bool
    detail: str


def versions() -> dict[str, str]:
    """Installed versions of Python and the packages arenalab is built on."""
    found = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = "missing"
    return found


def check_ray(settings: Settings) -> str:
    """Join the configured cluster (or start a local one) and describe its resources."""
    import ray

    address = settings.ray_address
    if address and not address.startswith(("ray://", "auto", "local")):
        host, _, port = address.rpartition(":")
        with socket.create_connection((host or "127.0.0.1", int(port)), RAY_CONNECT_TIMEOUT_S):
            pass  # fail fast with "connection refused" instead of Ray's long retry loop
    started_here = connect_ray(
        settings, log_to_driver=False, include_dashboard=False if not address else None
    )
    try:
        resources = ray.cluster_resources()
        nodes = sum(1 for node in ray.nodes() if node["Alive"])
        where = address or "local"
        return (
            f"{where}: {nodes} node(s), {resources.get('CPU', 0):g} CPU, "
            f"{resources.get('GPU', 0):g} GPU"
        )
    finally:
        if started_here:
            ray.shutdown()


def check_storage(settings: Settings) -> str:
    """Prove the storage root accepts writes."""
    storage = open_storage(settings)
    storage.check_writable()
    return f"{storage.uri} writable"


def check_registry(settings: Settings) -> str:
    """Open (creating or upgrading) the registry and report its schema revision."""
    registry = Registry.from_url(settings.database_url)
    try:
        revision = schema_revision(registry.engine)
        fighters = len(registry.list_fighters())
        url = registry.engine.url.render_as_string(hide_password=True)
        return f"{url} at revision {revision}, {fighters} fighter(s)"
    finally:
        registry.engine.dispose()


CHECKS: dict[str, Callable[[Settings], str]] = {
    "registry": check_registry,
    "storage": check_storage,
    "ray": check_ray,
}


def run_checks(settings: Settings, *, skip: tuple[str, ...] = ()) -> list[Check]:
    """Run every check, catching failures so one broken part never hides the others."""
    results = []
    for name, check in CHECKS.items():
        if name in skip:
            continue
        try:
            results.append(Check(name, True, check(settings)))
        except Exception as exc:  # noqa: BLE001 - a failed check is a result, not a crash
            results.append(Check(name, False, f"{type(exc).__name__}: {exc}"))
    return results
