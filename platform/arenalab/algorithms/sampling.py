"""Env runner connectors for the common case, one step each instead of RLlib's pipelines.

RLlib's default env-to-module pipeline (six pieces) and module-to-env pipeline (seven)
handle every case: recurrent state, multi-agent mapping, per-episode batching and
unbatching, action squashing. A single-agent, stateless module with a Box observation
and a Discrete action needs none of that: stack each env's latest observation, sample
from the logits, keep the log-probability. Those two steps are what these connectors
do, with the same torch calls, so a seeded run samples the same actions and stores the
same episodes (``tests/arenalab/algorithms/test_sampling.py``). Any other module keeps
RLlib's pipelines (:class:`LeanSamplingConfig`).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch
from ray.rllib.connectors.connector_v2 import ConnectorV2
from ray.rllib.connectors.env_to_module import EnvToModulePipeline
from ray.rllib.connectors.module_to_env import ModuleToEnvPipeline
from ray.rllib.core.columns import Columns
from ray.rllib.core.distribution.torch.torch_distribution import TorchCategorical
from ray.rllib.utils.numpy import convert_to_numpy


class LatestObservations(ConnectorV2):
    """Env-to-module: each env's latest observation, stacked in env order, as a tensor."""

    def __call__(self, *, rl_module: Any, batch: dict, episodes: list, **kwargs: Any) -> dict:
        """RLlib calls this once per vector step with the runner's ongoing episodes."""
        observations = np.stack([episode.get_observations(-1) for episode in episodes])
        batch[Columns.OBS] = torch.from_numpy(observations)
        return batch


class SampledActions(ConnectorV2):
    """Module-to-env: actions from the logits (argmax unless exploring) and their logp."""

    def __call__(
        self, *, rl_module: Any, batch: dict, explore: bool | None = None, **kwargs: Any
    ) -> dict:
        """The runner indexes each column by env, as with RLlib's listified output.

        A module that chose its actions itself keeps them, as RLlib's ``GetActions`` does;
        the columns become numpy as RLlib's ``TensorToNumpy`` makes them.
        """
        if Columns.ACTIONS not in batch:
            if explore:
                dist_class = rl_module.get_exploration_action_dist_cls()
            else:
                dist_class = rl_module.get_inference_action_dist_cls()
            logits = batch[Columns.ACTION_DIST_INPUTS]
            if dist_class is TorchCategorical:
                actions, logp = categorical_sample(logits, explore=bool(explore))
            else:
                dist = dist_class.from_logits(logits)
                if not explore:
                    dist = dist.to_deterministic()
                actions = dist.sample()
                logp = dist.logp(actions)
            batch[Columns.ACTIONS], batch[Columns.ACTION_LOGP] = actions, logp
        return convert_to_numpy(batch)


def categorical_sample(logits: torch.Tensor, *, explore: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """RLlib's ``TorchCategorical`` sample and logp, without building distributions.

    The same torch calls as ``torch.distributions.Categorical(logits=...)`` (normalized
    logits, their softmax, one ``multinomial`` draw), so a seed draws the same actions;
    its argument validation and RLlib's wrapping cost more than the draw itself. Greedy
    actions are the argmax with logp 0, as RLlib's deterministic distribution gives.
    """
    if not explore:
        actions = torch.argmax(logits, dim=-1)
        return actions, torch.zeros_like(actions)
    log_pmf = logits - logits.logsumexp(dim=-1, keepdim=True)
    actions = torch.multinomial(torch.softmax(log_pmf, dim=-1), 1, True)
    return actions.squeeze(-1), log_pmf.gather(-1, actions).squeeze(-1)


class LeanSamplingConfig:
    """A mixin placed before an RLlib ``AlgorithmConfig``: the connectors above where they fit.

    They fit a single-agent env with a Box observation and a Discrete action, a module
    without recurrent state, RLlib's default pieces and no connectors of the user's;
    everything else gets RLlib's own pipelines, decided per env runner from its env.
    """

    def build_env_to_module_connector(self, env=None, spaces=None, device=None):
        """One :class:`LatestObservations` step, or RLlib's pipeline."""
        if not self._lean_sampling_fits(env):
            return super().build_env_to_module_connector(env, spaces, device)
        return EnvToModulePipeline(
            input_observation_space=env.single_observation_space,
            input_action_space=env.single_action_space,
            connectors=[LatestObservations()],
        )

    def build_module_to_env_connector(self, env=None, spaces=None):
        """One :class:`SampledActions` step, or RLlib's pipeline."""
        if not self._lean_sampling_fits(env):
            return super().build_module_to_env_connector(env, spaces)
        return ModuleToEnvPipeline(
            input_observation_space=env.single_observation_space,
            input_action_space=env.single_action_space,
            connectors=[SampledActions()],
        )

    def _lean_sampling_fits(self, env: Any) -> bool:
        model = self.model_config
        return (
            isinstance(env, gym.vector.VectorEnv)
            and isinstance(env.single_observation_space, gym.spaces.Box)
            and isinstance(env.single_action_space, gym.spaces.Discrete)
            and not self.is_multi_agent
            and not model.get("use_lstm")
            and not model.get("use_attention")
            and self._env_to_module_connector is None
            and self._module_to_env_connector is None
            and self.add_default_connectors_to_env_to_module_pipeline
            and self.add_default_connectors_to_module_to_env_pipeline
        )
