"""RLlib's PPO with arenalab's lean optimizer step and sampling connectors.

Everything else is RLlib's: config, training step, loss, learner connectors and
checkpoints; the learner takes its ~80 minibatch steps per iteration with less fixed
cost (:mod:`arenalab.algorithms.lean`) and env runners step their envs through two
connectors instead of two pipelines where those fit (:mod:`arenalab.algorithms.sampling`).
"""

from __future__ import annotations

from ray.rllib.algorithms.ppo import PPO as RLlibPPO
from ray.rllib.algorithms.ppo import PPOConfig as RLlibPPOConfig
from ray.rllib.algorithms.ppo.torch.ppo_torch_learner import PPOTorchLearner as RLlibLearner

from arenalab.algorithms.lean import LeanStepTorchLearner
from arenalab.algorithms.sampling import LeanSamplingConfig


class PPOTorchLearner(LeanStepTorchLearner, RLlibLearner):
    """RLlib's PPO loss and KL schedule; the optimizer step of :class:`LeanStepTorchLearner`."""


class PPOConfig(LeanSamplingConfig, RLlibPPOConfig):
    """RLlib's PPOConfig with :class:`PPOTorchLearner` and the lean sampling connectors."""

    def __init__(self, algo_class: type | None = None) -> None:
        """RLlib's PPO defaults, building :class:`PPO`."""
        super().__init__(algo_class=algo_class or PPO)

    def get_default_learner_class(self) -> type:
        """The lean-step PPO learner (torch only, as every arenalab algorithm)."""
        return PPOTorchLearner


class PPO(RLlibPPO):
    """RLlib's PPO, configured by :class:`PPOConfig`."""

    @classmethod
    def get_default_config(cls) -> PPOConfig:
        """A fresh :class:`PPOConfig`."""
        return PPOConfig()
