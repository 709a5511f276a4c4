"""RLlib's PPO with Stable-Baselines3's PPO details, a lean optimizer step and lean sampling.

Everything else is RLlib's: config, training step, loss, learner connectors and
checkpoints. Three details differ from RLlib's and are SB3's (and CleanRL's):

- every epoch walks the batch in shuffled order; RLlib shuffles only when an epoch
  ends, so its first epoch takes minibatches of one env's consecutive steps;
- orthogonal initial weights: gain sqrt(2) in the hidden layers, 0.01 on the policy's
  output (a near-uniform first policy), 1 on the value's; RLlib keeps torch's defaults;
- Adam's epsilon is 1e-5 (torch's default 1e-8).

Together they took PPO with 8 envs on the default Pac-Man from reaching the target
return in 2 of 5 seeds to 5 of 5 (docs/training.md, Benchmark). The learner takes its
~80 minibatch steps per iteration with less fixed cost (:mod:`arenalab.algorithms.lean`)
and env runners step their envs through two connectors instead of two pipelines where
those fit (:mod:`arenalab.algorithms.sampling`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from ray.rllib.algorithms.ppo import PPO as RLlibPPO
from ray.rllib.algorithms.ppo import PPOConfig as RLlibPPOConfig
from ray.rllib.algorithms.ppo.torch.default_ppo_torch_rl_module import DefaultPPOTorchRLModule
from ray.rllib.algorithms.ppo.torch.ppo_torch_learner import PPOTorchLearner as RLlibLearner
from ray.rllib.core.rl_module.rl_module import RLModuleSpec
from ray.rllib.utils.minibatch_utils import MiniBatchCyclicIterator
from torch import nn

from arenalab.algorithms.lean import LeanStepTorchLearner
from arenalab.algorithms.sampling import LeanSamplingConfig

HIDDEN_GAIN = math.sqrt(2)
POLICY_GAIN = 0.01
VALUE_GAIN = 1.0


def orthogonal_init(layers: nn.Module, gain: float, output_gain: float | None = None) -> None:
    """Orthogonal weights of ``gain`` and zero biases; the last layer gets ``output_gain``."""
    weighted = [m for m in layers.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    for index, layer in enumerate(weighted):
        last = index == len(weighted) - 1 and output_gain is not None
        nn.init.orthogonal_(layer.weight, output_gain if last else gain)
        if layer.bias is not None:
            nn.init.zeros_(layer.bias)


class PPOTorchRLModule(DefaultPPOTorchRLModule):
    """RLlib's PPO module (same layers, same checkpoints) with orthogonal initial weights."""

    def setup(self) -> None:
        """Build RLlib's encoder and heads, then initialize them as SB3 does."""
        super().setup()
        orthogonal_init(self.encoder, HIDDEN_GAIN)
        orthogonal_init(self.pi, HIDDEN_GAIN, output_gain=POLICY_GAIN)
        orthogonal_init(self.vf, HIDDEN_GAIN, output_gain=VALUE_GAIN)


class PPOTorchLearner(LeanStepTorchLearner, RLlibLearner):
    """RLlib's PPO loss and KL schedule on the lean step; every epoch in shuffled order."""

    ADAM_EPS = 1e-5

    def _create_iterator_if_necessary(self, **kwargs) -> Iterable:
        """RLlib's minibatch iterator, its batch shuffled before the first epoch too.

        RLlib's iterator shuffles when an epoch ends, so the first of ``num_epochs``
        walks the batch in sampling order: each minibatch is one env's consecutive steps,
        whose advantages mostly share a sign, and the first epoch's steps pull the policy
        toward single trajectories.
        """
        minibatches = super()._create_iterator_if_necessary(**kwargs)
        cyclic = isinstance(minibatches, MiniBatchCyclicIterator)
        if cyclic and minibatches._shuffle_batch_per_epoch:
            for module_batch in minibatches._batch.policy_batches.values():
                module_batch.shuffle()
        return minibatches


class PPOConfig(LeanSamplingConfig, RLlibPPOConfig):
    """RLlib's PPOConfig building arenalab's PPO module and learner, sampling lean."""

    def __init__(self, algo_class: type | None = None) -> None:
        """RLlib's PPO defaults, building :class:`PPO`."""
        super().__init__(algo_class=algo_class or PPO)

    def get_default_learner_class(self) -> type:
        """The lean-step PPO learner (torch only, as every arenalab algorithm)."""
        return PPOTorchLearner

    def get_default_rl_module_spec(self) -> RLModuleSpec:
        """RLlib's PPO module, orthogonally initialized."""
        return RLModuleSpec(module_class=PPOTorchRLModule)


class PPO(RLlibPPO):
    """RLlib's PPO, configured by :class:`PPOConfig`."""

    @classmethod
    def get_default_config(cls) -> PPOConfig:
        """A fresh :class:`PPOConfig`."""
        return PPOConfig()
