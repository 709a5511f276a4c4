"""What the ingress and the policy deployment share (kept free of torch and RLlib).

Importing this module never imports torch or RLlib, so an ingress that serves the
rest of the API without acting never pays for them; whichever side runs the policies
imports the policies library on its first model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

POLICY_DEPLOYMENT = "PolicyServer"


@dataclass(frozen=True)
class ActGroup:
    """Observations of one model in a request: the unit the ingress sends."""

    model_id: int
    observations: np.ndarray
    deterministic: bool = True


@dataclass(frozen=True)
class ActOutcome:
    """Actions of one group, or why its observations were refused (row index, message)."""

    actions: np.ndarray | None = None
    error: str | None = None
    error_row: int | None = None


MIB = 1024 * 1024


class PolicyArgs(BaseModel):
    """Where policies run and their options (``args.policy`` in serve_config.yaml)."""

    placement: Literal["ingress", "deployment"] = Field(
        "ingress",
        description="Where policies act: in each ingress replica (no second actor hop per "
        "request; small models on CPU) or in the separate policy deployment (models too big "
        "to load in every ingress, replicas scaled apart from the API). docs/inference.md.",
    )
    ingress_max_models: int = Field(
        64, ge=1, description="Placement ingress: policies kept loaded per replica (LRU beyond)."
    )
    ingress_max_bytes: int = Field(
        256 * MIB,
        ge=1,
        description="Placement ingress: bytes of weights kept loaded per replica (LRU beyond; "
        "a bigger model is kept alone).",
    )
    settings: dict[str, Any] = Field(
        default_factory=dict, description="Settings overrides on top of the ingress's ones."
    )
    max_models_per_replica: int = Field(
        16, ge=1, description="Placement deployment: policies kept loaded per replica (LRU)."
    )
    max_batch_size: int = Field(256, ge=1, description="Most observation rows in one forward pass.")
    batch_wait_timeout_s: float = Field(
        0.0, ge=0, description="How long a batch waits for more requests (0: takes what is queued)."
    )
    num_replicas: int | None = Field(1, ge=1, description="Fixed replicas (None: autoscaling).")
    autoscaling_config: dict[str, Any] | None = Field(
        None, description="Serve autoscaling (min/max_replicas, target_ongoing_requests, ...)."
    )
    max_ongoing_requests: int = Field(
        256, ge=1, description="Requests a replica works on at once (>= max_batch_size helps)."
    )
    max_queued_requests: int = Field(
        512,
        ge=-1,
        description="Requests waiting per caller (placement ingress: for models being loaded) "
        "before the ingress answers 503 + Retry-After.",
    )
    num_cpus: float = Field(0.5, ge=0, description="CPUs reserved per replica.")
