"""Seeds that stay apart when RLlib runs several env runners, each with vectorized envs.

RLlib seeds env runner ``k`` with ``seed + k`` and gymnasium's vector env seeds its
``i``-th env with that plus ``i``, so runner 1's second env and runner 2's first both
start from ``seed + 2`` and play the same games: duplicated samples. Mixing the
runner's index into the seed puts every (runner, env) pair on a stream of its own.
Runner 0 (the driver: evaluation, ``arenalab watch``, the seed's own loop) keeps the
seed as given, so the seeded evaluation games stay the same games.
"""

from __future__ import annotations

from typing import Any

RUNNER_STRIDE = 2**32
"""Seeds per env runner: far more than the envs one runner vectorizes."""


def runner_index(env_config: Any) -> int:
    """The env runner an env is built in: RLlib's ``EnvContext.worker_index``, else 0."""
    return getattr(env_config, "worker_index", 0) or 0


def runner_seed(seed: int | None, runner: int) -> int | None:
    """``seed`` moved to env runner ``runner``'s stream (runner 0 and ``None`` unchanged)."""
    return seed if seed is None or runner == 0 else seed + runner * RUNNER_STRIDE
