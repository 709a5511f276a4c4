"""What the ingress and the policy deployment exchange (kept free of torch and RLlib).

The ingress imports only this module, so serving the rest of the API never pays for
importing torch or RLlib; the deployment imports the policies library.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

POLICY_APP = "arenalab-policy"  # its own Serve application, without a route
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
