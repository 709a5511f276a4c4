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
from ray.rllib.models.torch.torch_distributions import TorchCategorical, TorchDiagGaussian

from arenalab.envs.arena import ArenaHeuristic
from arenalab.experiments.environments import LEAGUE_SLOTS, league_slot
from arenalab.policies.policy import decodes_actions

REFRESH_EVERY = 5
SCRIPTED_LOG_STD = -10.0
"""Log std of the heuristic's action distribution: sampling returns its action."""
SCRIPTED_LOGIT_FLOOR = -30.0
"""Logit of every row but the heuristic's under a discrete table: sampling returns its row."""


class HeuristicModule(TorchRLModule):
    """The arena's scripted fighter as an RLModule, so it can sit in a multi-agent league.

    Its action distribution is a Gaussian centred on the heuristic's action with a
    negligible spread or, when the arena's learners act from the discrete table
    (``action_set: discrete``), a categorical all but certain of the row nearest the
    heuristic's action (``ArenaActions.encode``). It is never in ``policies_to_train``
    and implements no ValueFunctionAPI (no value targets); ``model_config`` is the
    arena's env_config. One instance serves a whole batch of observations from many
    episodes: that is right under ``arena-obs-v2``, where the heuristic reads its
    cooldown from each observation and keeps no state (under v1 its cooldown counter
    would be shared by the batch).
    """

    def setup(self) -> None:
        """Build the heuristic for this arena's size."""
        self.heuristic = ArenaHeuristic(self.model_config.get("arena_size", 20.0))
        # The torch learner builds an optimizer for every module; one needs a parameter.
        self.unused = torch.nn.Parameter(torch.zeros(1))

    def _forward(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        observations = batch[Columns.OBS].detach().cpu().numpy()
        actions = [self.heuristic(obs) for obs in observations]
        space = self.action_space
        if decodes_actions(space):
            rows = torch.as_tensor([space.encode(action) for action in actions])
            logits = torch.full((len(actions), space.n), SCRIPTED_LOGIT_FLOOR)
            logits[torch.arange(len(actions)), rows] = 0.0
            return {Columns.ACTION_DIST_INPUTS: logits}
        means = torch.as_tensor(np.stack(actions))
        log_std = torch.full_like(means, SCRIPTED_LOG_STD)
        return {Columns.ACTION_DIST_INPUTS: torch.cat([means, log_std], dim=-1)}

    def get_inference_action_dist_cls(self) -> type:
        """Like the learners' arena policies: categorical over a table, else a diagonal Gaussian."""
        return TorchCategorical if decodes_actions(self.action_space) else TorchDiagGaussian

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
