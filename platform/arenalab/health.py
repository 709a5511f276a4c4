"""Health probes: what ``GET /health`` reports and ``arenalab doctor`` checks.

One definition of each check, so "healthy" means one thing everywhere. A probe inspects
one open component and returns its facts; it raises when the component is broken, and
:func:`run` turns that into ``{"ok": False, "error": ...}`` so one broken part never
hides the others. ``/health`` probes its replica's open runtime; the doctor opens the
same components from the settings first (creating the registry, joining Ray).
"""

from __future__ import annotations

import importlib.metadata
import platform
import socket
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import func, select, text

from arenalab.cluster import connect_ray
from arenalab.datasets import quarantine
from arenalab.datasets.ingest import FrameIngestor
from arenalab.registry import Model, Registry
from arenalab.registry.database import schema_revision
from arenalab.settings import Settings
from arenalab.storage import Storage

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

Facts = dict[str, Any]


def versions() -> dict[str, str]:
    """Installed versions of Python and the packages arenalab is built on."""
    found = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = "missing"
    return found


def ray_cluster() -> Facts:
    """The Ray this process is connected to: live nodes and their CPUs and GPUs."""
    import ray  # importing Ray costs seconds: only probes of Ray pay

    if not ray.is_initialized():  # an app served by a plain ASGI server (tests, tools)
        return {"connected": False, "version": ray.__version__}
    nodes = [node for node in ray.nodes() if node["Alive"]]
    if not nodes:
        raise RuntimeError("no live Ray node")
    resources = ray.cluster_resources()
    return {
        "connected": True,
        "version": ray.__version__,
        "nodes": len(nodes),
        "cpus": resources.get("CPU", 0),
        "gpus": resources.get("GPU", 0),
    }


def database(registry: Registry) -> Facts:
    """The registry answers a query; its backend and schema revision."""
    with registry.reading() as session:
        session.execute(text("SELECT 1"))
    return {"backend": registry.engine.dialect.name, "revision": schema_revision(registry.engine)}


def storage(store: Storage) -> Facts:
    """The storage root takes a file (written, read back, deleted)."""
    store.check_writable()
    return {"uri": store.uri}


def models(registry: Registry) -> Facts:
    """How many models are registered, and how many are the best of their fighter."""
    with registry.reading() as session:
        registered, best = session.execute(
            select(func.count(Model.id), func.count(Model.id).filter(Model.is_best))
        ).one()
    return {"registered": registered, "best": best}


def ingest(ingestor: FrameIngestor) -> Facts:
    """This replica's frame log: where it is, quarantined records, the last compaction error."""
    wal_dir = ingestor.wal_dir
    return {
        "wal_dir": str(wal_dir),
        "wal_segment_bytes": ingestor.wal.segment_bytes,
        "quarantined_records": quarantine.count(wal_dir),
        "quarantine_dir": str(quarantine.quarantine_dir(wal_dir)),
        "compaction_error": ingestor.compaction_error,
    }


def run(probes: Mapping[str, Callable[[], Facts]]) -> dict[str, Facts]:
    """Each probe's facts with ``ok: True``, or ``ok: False`` and the error it raised."""
    report = {}
    for name, probe in probes.items():
        try:
            report[name] = {"ok": True, **probe()}
        except Exception as exc:  # a failed probe is a result, not a crash
            report[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return report


def status(report: Mapping[str, Facts]) -> str:
    """``healthy``; ``degraded`` (serving, but a person should look); or ``unhealthy``."""
    if not all(part["ok"] for part in report.values()):
        return "unhealthy"
    log = report.get("ingest", {})
    if log.get("quarantined_records") or log.get("compaction_error"):
        return "degraded"
    return "healthy"


@contextmanager
def joined_ray(settings: Settings) -> Iterator[None]:
    """Join the configured Ray (or start a local one) for a probe, leaving as it found it.

    An explicit ``host:port`` is tried with a plain TCP connection first, so an
    unreachable cluster fails in seconds with "connection refused" instead of Ray's
    long retry loop.
    """
    import ray  # importing Ray costs seconds: only probes of Ray pay

    address = settings.ray_address
    if address and not address.startswith(("ray://", "auto", "local")):
        host, _, port = address.rpartition(":")
        with socket.create_connection((host or "127.0.0.1", int(port)), RAY_CONNECT_TIMEOUT_S):
            pass
    started_here = connect_ray(
        settings, log_to_driver=False, include_dashboard=False if not address else None
    )
    try:
        yield
    finally:
        if started_here:
            ray.shutdown()
