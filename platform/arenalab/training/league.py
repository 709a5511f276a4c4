"""The arena's self-play league: frozen past versions of the learner plus the heuristic.

Every ``REFRESH_EVERY`` iterations the learner's weights are copied into one league
slot, round robin over ``LEAGUE_SLOTS`` slots, so the slots hold versions from
roughly 1, 2 and 3 refresh periods ago; each episode's opponent seats draw a slot or,
half of the time, the scripted heuristic
(:class:`arenalab.experiments.environments.SeatPolicies`), which plays as
:class:`HeuristicModule`, an RLModule with no weights to train. The heuristic is the
anchor every fighter is scored against, so the learner meets it from the first
iteration, while the slots still hold untrained networks (easy prey to learn to hit).
The copy follows the verified recipe in guides/rllib-tune.md 4: read the trained
weights from the learner group and push them to every env runner with
``foreach_env_runner`` (``sync_weights`` silently skips them).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from ray.rllib.callbacks.callbacks import RLlibCallback
from ray.rllib.core.columns import Columns
from ray.rllib.core.rl_module.torch import TorchRLModule
from ray.rllib.models.torch.torch_distributions import TorchDiagGaussian

from arenalab.envs.arena import ArenaHeuristic
from arenalab.experiments.environments import LEAGUE_SLOTS, league_slot

REFRESH_EVERY = 5
SCRIPTED_LOG_STD = -10.0
"""Log std of the heuristic's action distribution: sampling returns its action."""


class HeuristicModule(TorchRLModule):
    """The arena's scripted fighter as an RLModule, so it can sit in a multi-agent league.

    Its action distribution is a Gaussian centred on the heuristic's action with a
    negligible spread. It is never in ``policies_to_train`` and implements no
    ValueFunctionAPI (no value targets); ``model_config`` is the arena's env_config.
    One instance serves a whole batch of observations from many episodes: that is right
    under ``arena-obs-v2``, where the heuristic reads its cooldown from each observation
    and keeps no state (under v1 its cooldown counter would be shared by the batch).
    """

    def setup(self) -> None:
        """Build the heuristic for this arena's size."""
        self.heuristic = ArenaHeuristic(self.model_config.get("arena_size", 20.0))
        # The torch learner builds an optimizer for every module; one needs a parameter.
        self.unused = torch.nn.Parameter(torch.zeros(1))

    def _forward(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        observations = batch[Columns.OBS].detach().cpu().numpy()
        actions = torch.as_tensor(np.stack([self.heuristic(obs) for obs in observations]))
        log_std = torch.full_like(actions, SCRIPTED_LOG_STD)
        return {Columns.ACTION_DIST_INPUTS: torch.cat([actions, log_std], dim=-1)}

    def get_inference_action_dist_cls(self) -> type:
        """A diagonal Gaussian, like the learners' arena policies."""
        return TorchDiagGaussian

    get_exploration_action_dist_cls = get_inference_action_dist_cls
    get_train_action_dist_cls = get_inference_action_dist_cls


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
