"""``--max-trials`` and ``--iterations``: make any sweep file small (a smoke test, a demo).

Both edit the plan before anything runs, and the edited plan is the one saved in the
sweep folder, so ``--resume`` and ``report`` see the sweep that actually ran. Grids
are cut from their end (longest axis first), so a capped grid keeps its first values
and stays the same grid, only shorter; sampled parameters just get fewer samples.
"""

from __future__ import annotations

import math

from arenalab.sweeps.loading import SweepPlan
from arenalab.sweeps.schema import ASHA, SweepSpec
from arenalab.sweeps.space import Distribution

ITERATION_KEY = "training_iteration"


def trial_count(spec: SweepSpec) -> int:
    """How many trials the sweep starts: ``num_samples`` times every grid point."""
    grids = [len(dist.grid) for dist in spec.search.values() if dist.grid is not None]
    return spec.num_samples * math.prod(grids)


def limit_plan(
    plan: SweepPlan, *, max_trials: int | None = None, iterations: int | None = None
) -> SweepPlan:
    """``plan`` with at most ``max_trials`` trials of at most ``iterations`` iterations each."""
    spec = plan.spec
    changes: dict[str, object] = {}
    if max_trials is not None:
        sizes = {key: len(dist.grid) for key, dist in spec.search.items() if dist.grid}
        while math.prod(sizes.values()) > max_trials:
            longest = max(sizes, key=lambda key: sizes[key])
            sizes[longest] -= 1
        changes["search"] = {
            key: Distribution(grid=dist.grid[: sizes[key]]) if key in sizes else dist
            for key, dist in spec.search.items()
        }
        per_sample = math.prod(sizes.values())
        changes["num_samples"] = max(1, min(spec.num_samples, max_trials // per_sample))
    if iterations is not None:
        stop = dict(spec.stop)
        stop[ITERATION_KEY] = min(stop.get(ITERATION_KEY, iterations), iterations)
        changes["stop"] = stop
        scheduler = spec.scheduler
        if isinstance(scheduler, ASHA) and scheduler.max_t > iterations:
            grace = min(scheduler.grace_period, iterations)
            changes["scheduler"] = scheduler.model_copy(
                update={"max_t": iterations, "grace_period": grace}
            )
    return SweepPlan(spec.model_copy(update=changes), plan.experiment, plan.source)
