"""RLlib's PPO with a lean optimizer step, lean sampling and, opt-in, SB3's PPO details.

Everything else is RLlib's: config, training step, loss, learner connectors and
checkpoints. The learner takes its ~80 minibatch steps per iteration with less fixed
cost (:mod:`arenalab.algorithms.lean`) and env runners step their envs through two
connectors instead of two pipelines where those fit (:mod:`arenalab.algorithms.sampling`).

``sb3_details=True`` (``rllib: {sb3_details: true}`` in an experiment) makes three
choices Stable-Baselines3's (and CleanRL's) PPO makes where RLlib's differs:

- every epoch walks the batch in shuffled order; RLlib shuffles only when an epoch
  ends, so its first epoch takes minibatches of one env's consecutive steps;
- orthogonal initial weights: gain sqrt(2) in the hidden layers, 0.01 on the policy's
  output (a near-uniform first policy), 1 on the value's; RLlib keeps torch's defaults;
- Adam's epsilon is 1e-5 (torch's default 1e-8).

They took PPO with 8 envs on the default Pac-Man from reaching the target return in 2
of 5 seeds to 5 of 5, and the arena league (tuned with RLlib's choices) from 100 to 7
wins in 100: off by default (docs/training.md).

``sample_ahead=True`` keeps a batch in flight on the env runners while the learner
updates (:mod:`arenalab.algorithms.ahead`): batches one update older, iterations that
cost the longer of sampling and learning instead of their sum. Off by default.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ray.rllib.algorithms.algorithm_config import NotProvided
from ray.rllib.algorithms.ppo import PPO as RLlibPPO
from ray.rllib.algorithms.ppo import PPOConfig as RLlibPPOConfig
from ray.rllib.algorithms.ppo.torch.default_ppo_torch_rl_module import DefaultPPOTorchRLModule
from ray.rllib.algorithms.ppo.torch.ppo_torch_learner import PPOTorchLearner as RLlibLearner
from ray.rllib.core.rl_module.rl_module import RLModuleSpec
from ray.rllib.utils.metrics import (
    ALL_MODULES,
    ENV_RUNNER_RESULTS,
    ENV_RUNNER_SAMPLING_TIMER,
    LEARNER_RESULTS,
    LEARNER_UPDATE_TIMER,
    NUM_ENV_STEPS_SAMPLED_LIFETIME,
    NUM_MODULE_STEPS_TRAINED_LIFETIME,
    SYNCH_WORKER_WEIGHTS_TIMER,
    TIMERS,
)
from ray.rllib.utils.minibatch_utils import MiniBatchCyclicIterator
from torch import nn

from arenalab.algorithms.ahead import SampleAhead
from arenalab.algorithms.lean import LeanStepTorchLearner
from arenalab.algorithms.sampling import LeanSamplingConfig

ORTHOGONAL_INIT = "orthogonal_init"  # the model_config key sb3_details sets
HIDDEN_GAIN = math.sqrt(2)
POLICY_GAIN = 0.01
VALUE_GAIN = 1.0
SB3_ADAM_EPS = 1e-5


def orthogonal_init(layers: nn.Module, gain: float, output_gain: float | None = None) -> None:
    """Orthogonal weights of ``gain`` and zero biases; the last layer gets ``output_gain``."""
    weighted = [m for m in layers.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    for index, layer in enumerate(weighted):
        last = index == len(weighted) - 1 and output_gain is not None
        nn.init.orthogonal_(layer.weight, output_gain if last else gain)
        if layer.bias is not None:
            nn.init.zeros_(layer.bias)


class PPOTorchRLModule(DefaultPPOTorchRLModule):
    """RLlib's PPO module (same layers, same checkpoints), SB3's initial weights if asked."""

    def setup(self) -> None:
        """Build RLlib's encoder and heads; with ``orthogonal_init``, initialize as SB3.

        An inference-only copy (an env runner's) never trains, so it is put in eval mode
        once: RLlib otherwise switches every layer to eval and back around each forward,
        which cost as much as the forward itself when sampling (see :meth:`train`).
        """
        super().setup()
        if self.model_config.get(ORTHOGONAL_INIT):
            orthogonal_init(self.encoder, HIDDEN_GAIN)
            orthogonal_init(self.pi, HIDDEN_GAIN, output_gain=POLICY_GAIN)
            orthogonal_init(self.vf, HIDDEN_GAIN, output_gain=VALUE_GAIN)
        if self.inference_only:
            self.eval()

    def train(self, mode: bool = True) -> PPOTorchRLModule:
        """Torch's mode switch, skipped when the module is in that mode already.

        RLlib calls ``eval()`` before every forward on an env runner, and torch walks
        every layer each time even when nothing changes.
        """
        return self if mode == self.training else super().train(mode)


class PPOTorchLearner(LeanStepTorchLearner, RLlibLearner):
    """RLlib's PPO loss and KL schedule on the lean step; SB3's shuffling and Adam if asked."""

    def adam_eps(self, config: Any) -> float:
        """SB3's 1e-5 with ``sb3_details``, else torch's default."""
        return SB3_ADAM_EPS if config.sb3_details else super().adam_eps(config)

    def _create_iterator_if_necessary(self, **kwargs) -> Iterable:
        """RLlib's minibatch iterator; with ``sb3_details`` shuffled before the first epoch too.

        RLlib's iterator shuffles when an epoch ends, so the first of ``num_epochs``
        walks the batch in sampling order: each minibatch is one env's consecutive steps,
        whose advantages mostly share a sign.
        """
        minibatches = super()._create_iterator_if_necessary(**kwargs)
        cyclic = isinstance(minibatches, MiniBatchCyclicIterator)
        if self.config.sb3_details and cyclic and minibatches._shuffle_batch_per_epoch:
            for module_batch in minibatches._batch.policy_batches.values():
                module_batch.shuffle()
        return minibatches


class PPOConfig(LeanSamplingConfig, RLlibPPOConfig):
    """RLlib's PPOConfig building arenalab's PPO module and learner, sampling lean."""

    def __init__(self, algo_class: type | None = None) -> None:
        """RLlib's PPO defaults, building :class:`PPO`; SB3's details off."""
        super().__init__(algo_class=algo_class or PPO)
        self.sb3_details = False
        self.sample_ahead = False

    def training(
        self,
        *,
        sb3_details: bool | None = NotProvided,
        sample_ahead: bool | None = NotProvided,
        **kwargs: Any,
    ) -> PPOConfig:
        """PPO's training keywords plus ``sb3_details`` and ``sample_ahead`` (module docstring)."""
        super().training(**kwargs)
        if sb3_details is not NotProvided:
            self.sb3_details = sb3_details
        if sample_ahead is not NotProvided:
            self.sample_ahead = sample_ahead
        return self

    @property
    def _model_config_auto_includes(self) -> dict[str, Any]:
        """RLlib's, plus whether the module starts from SB3's orthogonal weights."""
        return super()._model_config_auto_includes | {ORTHOGONAL_INIT: self.sb3_details}

    def get_default_learner_class(self) -> type:
        """The lean-step PPO learner (torch only, as every arenalab algorithm)."""
        return PPOTorchLearner

    def get_default_rl_module_spec(self) -> RLModuleSpec:
        """RLlib's PPO module, initialized as ``sb3_details`` says."""
        return RLModuleSpec(module_class=PPOTorchRLModule)


class PPO(RLlibPPO):
    """RLlib's PPO, configured by :class:`PPOConfig`; with ``sample_ahead`` it overlaps."""

    @classmethod
    def get_default_config(cls) -> PPOConfig:
        """A fresh :class:`PPOConfig`."""
        return PPOConfig()

    def setup(self, config: Any) -> None:
        """RLlib's setup, then the sampler that keeps a batch in flight, if asked."""
        super().setup(config)
        self._ahead = SampleAhead(
            self.env_runner_group, self.config.total_train_batch_size, self.config.sample_timeout_s
        )

    def training_step(self) -> None:
        """RLlib's step, or with ``sample_ahead`` and remote runners, sample while learning."""
        if not (self.config.sample_ahead and self.env_runner_group.num_remote_env_runners()):
            return super().training_step()
        with self.metrics.log_time((TIMERS, ENV_RUNNER_SAMPLING_TIMER)):
            episodes, runner_metrics = self._ahead.take()
            self._ahead.start()  # the next batch, sampled while the learner takes this one
            if not episodes:
                return None
            self.metrics.aggregate(runner_metrics, key=ENV_RUNNER_RESULTS)
        with self.metrics.log_time((TIMERS, LEARNER_UPDATE_TIMER)):
            learner_results = self.learner_group.update(
                episodes=episodes,
                timesteps={
                    NUM_ENV_STEPS_SAMPLED_LIFETIME: self.metrics.peek(
                        (ENV_RUNNER_RESULTS, NUM_ENV_STEPS_SAMPLED_LIFETIME)
                    ),
                    NUM_MODULE_STEPS_TRAINED_LIFETIME: self.metrics.peek(
                        (LEARNER_RESULTS, ALL_MODULES, NUM_MODULE_STEPS_TRAINED_LIFETIME),
                        default=0,
                    ),
                },
                num_epochs=self.config.num_epochs,
                minibatch_size=self.config.minibatch_size,
                shuffle_batch_per_epoch=self.config.shuffle_batch_per_epoch,
            )
            self.metrics.aggregate(learner_results, key=LEARNER_RESULTS)
        with self.metrics.log_time((TIMERS, SYNCH_WORKER_WEIGHTS_TIMER)):
            self.env_runner_group.sync_weights(  # reaches each runner after its batch in flight
                from_worker_or_learner_group=self.learner_group,
                policies=set(learner_results[0]) - {ALL_MODULES},
                inference_only=True,
            )
        return None
