"""``GET /health``: Ray, database, storage and model status, and this replica's log.

``status`` is ``healthy`` (200), ``degraded`` (200: serving, but log records were
quarantined, or the last compaction failed, and a person should look: see
docs/ingestion.md) or ``unhealthy`` (503).
"""

from __future__ import annotations

import asyncio

from arenalab.datasets import quarantine
from arenalab.registry import Model
from arenalab.serving.core.runtime import Runtime, RuntimeDep
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import func, select, text

router = APIRouter(tags=["health"])


def _ray() -> dict:
    import ray

    if not ray.is_initialized():  # served by a plain ASGI server (tests, tools)
        return {"ok": True, "connected": False, "version": ray.__version__}
    nodes = [node for node in ray.nodes() if node["Alive"]]
    return {"ok": bool(nodes), "connected": True, "version": ray.__version__, "nodes": len(nodes)}


def _database(runtime: Runtime) -> dict:
    with runtime.registry.reading() as session:
        session.execute(text("SELECT 1"))
    return {"ok": True, "backend": runtime.registry.engine.dialect.name}


def _models(runtime: Runtime) -> dict:
    with runtime.registry.reading() as session:
        registered, best = session.execute(
            select(func.count(Model.id), func.count(Model.id).filter(Model.is_best))
        ).one()
    return {"ok": True, "registered": registered, "best": best}


def _storage(runtime: Runtime) -> dict:
    runtime.storage.check_writable()
    return {"ok": True, "uri": runtime.storage.uri}


def _ingest(runtime: Runtime) -> dict:
    wal_dir = runtime.ingestor.wal_dir
    return {
        "ok": True,
        "wal_dir": str(wal_dir),
        "wal_segment_bytes": runtime.ingestor.wal.segment_bytes,
        "quarantined_records": quarantine.count(wal_dir),
        "quarantine_dir": str(quarantine.quarantine_dir(wal_dir)),
        "compaction_error": runtime.ingestor.compaction_error,
    }


async def _check(probe, *args) -> dict:  # noqa: ANN001 - any probe function
    try:
        return await asyncio.to_thread(probe, *args)
    except Exception as exc:  # noqa: BLE001 - health reports failures, it never raises
        return {"ok": False, "error": str(exc)}


@router.get("/health")
async def health(runtime: RuntimeDep) -> JSONResponse:
    """200 with each component's status when all are healthy or degraded, else 503."""
    parts = {
        "ray": await _check(_ray),
        "database": await _check(_database, runtime),
        "storage": await _check(_storage, runtime),
        "models": await _check(_models, runtime),
        "ingest": await _check(_ingest, runtime),
    }
    healthy = all(part["ok"] for part in parts.values())
    status = "healthy" if healthy else "unhealthy"
    ingest = parts["ingest"]
    if healthy and (ingest["quarantined_records"] or ingest["compaction_error"]):
        status = "degraded"
    body = {"status": status, **parts}
    return JSONResponse(body, status_code=200 if healthy else 503)
