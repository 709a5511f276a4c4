"""``GET /health``: the library's health probes (:mod:`arenalab.health`) on this replica.

``status`` is ``healthy`` (200), ``degraded`` (200: serving, but log records were
quarantined, or the last compaction failed, and a person should look: see
docs/ingestion.md) or ``unhealthy`` (503). ``arenalab doctor`` runs the same probes.
"""

from __future__ import annotations

import asyncio
from functools import partial

from arenalab import health
from arenalab.serving.core.runtime import RuntimeDep
from fastapi import APIRouter
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/health")
async def report(runtime: RuntimeDep) -> JSONResponse:
    """200 with each component's status when all are healthy or degraded, else 503."""
    probes = {
        "ray": health.ray_cluster,
        "database": partial(health.database, runtime.registry),
        "storage": partial(health.storage, runtime.storage),
        "models": partial(health.models, runtime.registry),
        "ingest": partial(health.ingest, runtime.ingestor),
    }
    parts = await asyncio.to_thread(health.run, probes)
    status = health.status(parts)
    code = 503 if status == "unhealthy" else 200
    return JSONResponse({"status": status, **parts}, status_code=code)
