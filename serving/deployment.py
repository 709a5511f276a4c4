"""The Ray Serve application: one ingress deployment serving ``create_app``'s API.

``build_app`` is a typed Serve app builder, so ``serve deploy`` passes its
arguments from ``serve_config.yaml`` (validated by pydantic) and
``arenalab serve`` passes them in Python. Settings travel as overrides in the
arguments (plus the replica's ``ARENALAB_*`` environment), so a replica on any
node opens the same registry, log folder and storage.
"""

from __future__ import annotations

import importlib
from typing import Any

from arenalab.serving.app import MOUNTS, Mount, create_app
from arenalab.serving.policy_protocol import PolicyArgs
from arenalab.settings import load_settings
from fastapi import FastAPI
from pydantic import BaseModel, Field
from ray import serve
from ray.serve import Application
from ray.serve.handle import DeploymentHandle
from ray.serve.schema import LoggingConfig

DEPLOYMENT_NAME = "ArenalabIngress"


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
        default_factory=PolicyArgs, description="The policy deployment (docs/inference.md)."
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
        self, settings: dict[str, Any], mounts: list[str], policy: DeploymentHandle | None = None
    ) -> None:
        self._settings = load_settings(**settings)
        self._mounts = [*MOUNTS, *map(import_mount, mounts)]
        self._policy = policy

    def __serve_build_asgi_app__(self) -> FastAPI:
        app = create_app(self._settings, self._mounts)
        app.state.policy_handle = self._policy  # the inference routes' deployment (policy.py)
        return app


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
    )
    from arenalab.serving.policy_deployment import build_policy_deployment  # noqa: PLC0415 - torch

    return deployment.bind(
        args.settings, args.mounts, build_policy_deployment(args.policy, args.settings)
    )
