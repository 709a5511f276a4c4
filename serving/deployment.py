"""The Ray Serve application: one ingress deployment serving ``create_app``'s API.

``build_app`` is a typed Serve app builder, so ``serve deploy`` passes its
arguments from ``serve_config.yaml`` (validated by pydantic) and
``arenalab serve`` passes them in Python. Settings travel as overrides in the
arguments (plus the replica's ``ARENALAB_*`` environment), so a replica on any
node opens the same registry, log folder and storage.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import logging
import os
import socket
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import ray
from arenalab.serving.app import MOUNTS, Mount, create_app
from arenalab.serving.inference.protocol import PolicyArgs
from arenalab.settings import load_settings
from fastapi import FastAPI
from pydantic import BaseModel, Field
from ray import serve
from ray.serve import Application
from ray.serve.handle import DeploymentHandle
from ray.serve.schema import LoggingConfig

DEPLOYMENT_NAME = "ArenalabIngress"
ORPHAN_POLL_S = 0.5  # how often a replica checks that its GCS and raylet are still there
GCS_MISSES = 2  # refused connections in a row that mean the GCS stopped
ORPHAN_FLUSH_S = 8.0  # what a replica whose cluster went away gets to flush its log

log = logging.getLogger(__name__)


class IngressArgs(BaseModel):
    """Arguments of the Serve application (``args:`` in serve_config.yaml)."""

    settings: dict[str, Any] = Field(
        default_factory=dict, description="Settings overrides (names as in Settings, lowercase)."
    )
    num_replicas: int = Field(1, ge=1, description="Ingress replicas; each has its own log.")
    max_ongoing_requests: int = Field(
        1024, ge=1, description="Concurrent requests per replica; an open WebSocket holds one."
    )
    max_queued_requests: int = Field(
        2048, ge=-1, description="Requests waiting per caller before Serve answers 503."
    )
    num_cpus: float = Field(0.5, ge=0, description="CPUs reserved per replica.")
    mounts: list[str] = Field(
        default_factory=list,
        description="Extra routers, as 'module:attribute' import paths of a Mount, served by "
        "the same ingress (the module must be importable on the replicas).",
    )
    policy: PolicyArgs = Field(
        default_factory=PolicyArgs,
        description="Where policies run (in the ingress or a policy deployment) and their "
        "options (docs/inference.md).",
    )


def import_mount(path: str) -> Mount:
    """Load a ``module:attribute`` Mount (or bare APIRouter, mounted at the root)."""
    module_name, _, attribute = path.partition(":")
    found = getattr(importlib.import_module(module_name), attribute)
    return found if isinstance(found, Mount) else Mount(found)


@serve.ingress()
class ArenalabIngress:
    """The ingress replica: settings in, the whole API out."""

    def __init__(
        self,
        settings: dict[str, Any],
        mounts: list[str],
        policy_args: dict[str, Any] | None = None,
        policy: DeploymentHandle | None = None,
    ) -> None:
        self._settings = load_settings(**settings)
        self._mounts = [*MOUNTS, *map(import_mount, mounts)]
        self._policy_args = PolicyArgs.model_validate(policy_args or {})
        self._policy = policy  # placement deployment only
        rebind_despite_time_wait()  # Serve starts this replica's HTTP server after __init__

    def __serve_build_asgi_app__(self) -> FastAPI:
        app = create_app(self._settings, self._mounts)
        app.state.policy_args = self._policy_args  # where inference/routes.py's models act
        app.state.policy_handle = self._policy
        app.router.lifespan_context = _flushing_when_orphaned(app.router.lifespan_context)
        return app


def rebind_despite_time_wait() -> None:
    """Make this replica's direct-ingress socket ``SO_REUSEADDR``, as every HTTP server's is.

    Serve binds it without: after a restart the TIME-WAIT sockets of the last run's
    connections (thousands under load, for 60 s) make the bind fail, and Serve quietly
    takes the next port of its range. The option only lets a bind go past TIME-WAIT;
    a port another server listens on still fails (and ``arenalab serve`` says so).
    """
    from ray.serve._private import http_util, replica  # the replica's

    if getattr(replica.start_asgi_http_server, "reuses_address", False):
        return
    start = http_util.start_asgi_http_server
    reuse_port = http_util.set_socket_reuse_port

    def reuse_address(sock: socket.socket) -> bool:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # no SO_REUSEPORT sharing
        return True

    @functools.wraps(start)
    async def start_reusing_address(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("enable_so_reuseport"):
            return await start(*args, **kwargs)
        http_util.set_socket_reuse_port = reuse_address
        try:  # the socket's options are set before start's first await
            return await start(*args, **{**kwargs, "enable_so_reuseport": True})
        finally:
            http_util.set_socket_reuse_port = reuse_port

    start_reusing_address.reuses_address = True
    replica.start_asgi_http_server = start_reusing_address


def _flushing_when_orphaned(lifespan: Any) -> Any:
    """Wrap the app's lifespan with :func:`flush_when_orphaned` running beside it."""

    @asynccontextmanager
    async def flushing(app: FastAPI) -> AsyncIterator[None]:
        async with lifespan(app):
            watch = asyncio.create_task(flush_when_orphaned(app), name="flush-when-orphaned")
            try:
                yield
            finally:
                watch.cancel()

    return flushing


async def flush_when_orphaned(app: FastAPI) -> None:
    """Flush the log into Parquet and exit once this replica's cluster is going away.

    A SIGTERM to ``arenalab serve``'s process group (a supervisor stopping it) or to
    its cgroup (systemd) stops the GCS at once and the raylet soon after, so Serve
    never gets to stop this replica gracefully, and the replica's own SIGTERM never
    reaches Python (its main thread sits in Ray's task loop). A GCS that stops
    answering, or a raylet gone (its parent changed), are the signs.
    """
    parent = os.getppid()
    gcs = ray.get_runtime_context().gcs_address
    misses = 0
    while misses < GCS_MISSES and os.getppid() == parent:
        await asyncio.sleep(ORPHAN_POLL_S)
        misses = 0 if await _answers(gcs) else misses + 1
    log.warning("the Ray cluster is going away: flushing the ingest log, then exiting")
    started = time.monotonic()
    try:
        await asyncio.wait_for(app.state.runtime.close(), ORPHAN_FLUSH_S)
        log.warning("flushed in %.1f s", time.monotonic() - started)
    except BaseException:
        log.exception("flushing on the way out failed; the log replays on the next start")
    finally:
        sys.stderr.flush()
        os._exit(0)


async def _answers(address: str) -> bool:
    """Whether a TCP connection to ``host:port`` opens (the GCS refuses once stopped)."""
    host, _, port = address.rpartition(":")
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, int(port)), 1.0)
    except (OSError, TimeoutError):
        return False
    writer.close()
    return True


def build_app(args: IngressArgs) -> Application:
    """Bind the ingress with its deployment options (the typed Serve app builder)."""
    deployment = serve.deployment(
        ArenalabIngress,
        name=DEPLOYMENT_NAME,
        num_replicas=args.num_replicas,
        max_ongoing_requests=args.max_ongoing_requests,
        max_queued_requests=args.max_queued_requests,
        ray_actor_options={"num_cpus": args.num_cpus},
        logging_config=LoggingConfig(enable_access_log=False),
        backpressure_config={"status_code": 503, "retry_after_s": 1},
        # a stop drains in-flight requests, then the lifespan flushes the log; both are
        # bounded so ``arenalab serve`` exits within ~15 s of its SIGTERM
        graceful_shutdown_wait_loop_s=0.5,
        graceful_shutdown_timeout_s=6,
    )
    policy = None
    if args.policy.placement == "deployment":  # else the ingress acts itself: no second hop
        from arenalab.serving.inference.deployment import build_policy_deployment

        policy = build_policy_deployment(args.policy, args.settings)
    return deployment.bind(args.settings, args.mounts, args.policy.model_dump(mode="json"), policy)
