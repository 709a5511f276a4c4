"""A2C: synchronous advantage actor-critic on RLlib's new API stack.

A2C is PPO's pipeline minus what makes PPO proximal: the same RLModule (actor and
value heads), the same env runners and the same GAE learner connector, but ONE
gradient step per sampled batch (one epoch, the whole batch as one minibatch), so the
policy that collected the batch is the one being updated and no ratio or clipping is
needed. The loss (:mod:`arenalab.algorithms.a2c_learner`) is the vanilla policy
gradient ``-logp(a) * A`` plus ``vf_loss_coeff`` times the squared value error minus
``entropy_coeff`` times the entropy. Advantages are GAE(``lambda_``); ``lambda_=1.0``
(the default) gives the n-step returns of classic A2C, bootstrapped at the end of each
rollout fragment. Defaults follow Stable-Baselines3's A2C (RMSprop, lr 7e-4, value
coefficient 0.5, no entropy bonus, gradient norm 0.5, advantages not normalized).
"""

from __future__ import annotations

from typing import Any, Literal

from ray.rllib.algorithms.algorithm_config import NotProvided
from ray.rllib.algorithms.ppo import PPO, PPOConfig

from arenalab.algorithms.sampling import LeanSamplingConfig


class A2CConfig(LeanSamplingConfig, PPOConfig):
    """PPO's config with A2C's semantics fixed: one epoch over the whole batch, no KL.

    Env runners sample through :mod:`arenalab.algorithms.sampling`'s connectors where
    they fit (A2C's time is mostly its env runners').
    """

    def __init__(self, algo_class: type | None = None) -> None:
        """Set A2C's defaults (Stable-Baselines3's) on top of PPO's settings."""
        super().__init__(algo_class=algo_class or A2C)
        self.lr = 7e-4
        self.lambda_ = 1.0
        self.vf_loss_coeff = 0.5
        self.entropy_coeff = 0.0
        self.grad_clip = 0.5
        self.grad_clip_by = "global_norm"
        self.use_kl_loss = False
        self.kl_coeff = 0.0
        self.num_epochs = 1
        self.minibatch_size = None
        self.train_batch_size_per_learner = 256
        self.normalize_advantages = False
        self.optimizer: Literal["rmsprop", "adam"] = "rmsprop"

    def training(
        self,
        *,
        normalize_advantages: bool | None = NotProvided,
        optimizer: Literal["rmsprop", "adam"] | None = NotProvided,
        **kwargs: Any,
    ) -> A2CConfig:
        """PPO's training keywords plus A2C's own.

        Args:
            normalize_advantages: Standardize each batch's advantages (PPO always does;
                classic A2C does not).
            optimizer: ``rmsprop`` (A2C's, alpha 0.99, eps 1e-5) or ``adam``.
            **kwargs: Any PPO training keyword (``lambda_``, ``vf_loss_coeff``, ...).
        """
        super().training(**kwargs)
        if normalize_advantages is not NotProvided:
            self.normalize_advantages = normalize_advantages
        if optimizer is not NotProvided:
            self.optimizer = optimizer
        return self

    def validate(self) -> None:
        """Refuse settings that would turn A2C into PPO (several steps per batch, KL)."""
        super().validate()
        if self.num_epochs != 1:
            self._value_error(
                f"A2C takes one gradient step per batch: num_epochs must be 1, got "
                f"{self.num_epochs}"
            )
        batch = self.train_batch_size_per_learner or self.train_batch_size
        if self.minibatch_size not in (None, batch):
            self._value_error(
                "A2C takes one gradient step per batch: minibatch_size must be None (the "
                f"whole batch of {batch}), got {self.minibatch_size}"
            )
        if self.use_kl_loss:
            self._value_error("A2C has no KL term: use_kl_loss must be False")
        if not (self.use_critic and self.use_gae):
            self._value_error("A2C needs its critic: use_critic and use_gae must be True")
        if self.optimizer not in ("rmsprop", "adam"):
            self._value_error(f"optimizer must be 'rmsprop' or 'adam', got {self.optimizer!r}")

    def get_default_learner_class(self) -> type:
        """A2C's torch learner (PPO's pipeline, A2C's loss and optimizer)."""
        from arenalab.algorithms.a2c_learner import A2CTorchLearner

        return A2CTorchLearner


class A2C(PPO):
    """PPO's training step (sample synchronously, one learner update) with A2C's config.

    ``PPO.training_step`` passes ``num_epochs=1`` and ``minibatch_size=None``, so the
    learner takes exactly one gradient step on the whole batch.
    """

    @classmethod
    def get_default_config(cls) -> A2CConfig:
        """A fresh :class:`A2CConfig`."""
        return A2CConfig()
