"""The arena's self-play league: frozen past versions of the learner as opponents.

Every ``REFRESH_EVERY`` iterations the learner's weights are copied into one league
slot, round robin over ``LEAGUE_SLOTS`` slots, so the slots hold versions from
roughly 1, 2 and 3 refresh periods ago; each episode's opponent seats draw a slot
(:class:`arenalab.experiments.environments.SeatPolicies`). The copy follows the
verified recipe in guides/rllib-tune.md 4: read the trained weights from the learner
group and push them to every env runner with ``foreach_env_runner`` (``sync_weights``
silently skips them).
"""

from __future__ import annotations

from typing import Any

from ray.rllib.callbacks.callbacks import RLlibCallback

from arenalab.experiments.environments import LEAGUE_SLOTS, league_slot

REFRESH_EVERY = 5


def _module_state(algorithm: Any, module_id: str, inference_only: bool) -> Any:
    state = algorithm.learner_group.get_state(
        components=f"learner/rl_module/{module_id}", inference_only=inference_only
    )
    return state["learner"]["rl_module"][module_id]


class LeagueRefresh(RLlibCallback):
    """Freeze a copy of the learner into the next league slot every few iterations."""

    def on_train_result(self, *, algorithm: Any, result: dict, **kwargs: Any) -> None:
        """Copy learner -> slot on the learner group and on every env runner."""
        if algorithm.iteration % REFRESH_EVERY:
            return
        learner = next(iter(algorithm.config.policies_to_train))
        slot = league_slot((algorithm.iteration // REFRESH_EVERY) % LEAGUE_SLOTS)
        full = _module_state(algorithm, learner, inference_only=False)
        algorithm.set_state({"learner_group": {"learner": {"rl_module": {slot: full}}}})
        weights = _module_state(algorithm, learner, inference_only=True)
        algorithm.env_runner_group.foreach_env_runner(
            lambda runner: runner.module[slot].set_state(weights)
        )
        result["league_refreshed"] = slot
