"""What the ingress and the policy deployment share (kept free of torch and RLlib).

The ingress imports only this module, so serving the rest of the API never pays for
importing torch or RLlib; the deployment imports the policies library.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


class PolicyArgs(BaseModel):
    """Options of the policy deployment (``args.policy`` in serve_config.yaml)."""

    settings: dict[str, Any] = Field(
        default_factory=dict, description="Settings overrides on top of the ingress's ones."
    )
    max_models_per_replica: int = Field(
        16, ge=1, description="Policies kept loaded per replica (LRU beyond it)."
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
        512, ge=-1, description="Requests waiting per caller before the ingress answers 503."
    )
    num_cpus: float = Field(0.5, ge=0, description="CPUs reserved per replica.")
