"""RLlib's PPO with arenalab's lean optimizer step (:mod:`arenalab.algorithms.lean`).

Everything else is RLlib's: config, training step, loss, connectors and checkpoints;
the learner only takes its ~80 minibatch steps per iteration with less fixed cost.
"""

from __future__ import annotations

from ray.rllib.algorithms.ppo import PPO as RLlibPPO
from ray.rllib.algorithms.ppo import PPOConfig as RLlibPPOConfig
from ray.rllib.algorithms.ppo.torch.ppo_torch_learner import PPOTorchLearner as RLlibLearner

from arenalab.algorithms.lean import LeanStepTorchLearner


class PPOTorchLearner(LeanStepTorchLearner, RLlibLearner):
    """RLlib's PPO loss and KL schedule; the optimizer step of :class:`LeanStepTorchLearner`."""


class PPOConfig(RLlibPPOConfig):
    """RLlib's PPOConfig whose default torch learner is :class:`PPOTorchLearner`."""

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
