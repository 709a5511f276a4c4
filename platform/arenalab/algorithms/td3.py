"""TD3 (Twin Delayed DDPG, Fujimoto et al. 2018) on RLlib's new API stack.

Built on SAC's machinery the way RLlib's own TQC is: ``TD3Config`` extends
``SACConfig`` (actor/critic learning rates, ``tau``, ``replay_buffer_config``'s
capacity, ``training_intensity``) and ``TD3`` runs DQN/SAC's off-policy loop (sample a
fragment, store it, take ``training_intensity``-many updates, sync weights) with two
changes for speed: transitions are stored flat (:mod:`arenalab.algorithms.replay`,
not RLlib's per-row episodes) and a training step's K updates go to the learner as
ONE batch of K minibatches (one ``LearnerGroup.update`` call, not K). That took TD3 on
Pendulum from 0.03x to about half of Stable-Baselines3's env steps/s on 2 cores
(benchmarks/results/algorithms.json). What makes it TD3 lives in the module and the
learner:

* a deterministic tanh actor; the env runners add Gaussian ``exploration_noise``
  (clipped to the normalized action box), inference uses the bare actor;
* twin critics, the target taking the smaller of the two target critics;
* target policy smoothing: clipped Gaussian ``target_noise`` on the target actor's
  next action;
* delayed updates: the actor and all target networks (Polyak ``tau``) move every
  ``policy_delay`` critic steps.

Continuous (Box) action spaces only; the module refuses any other with a clear error.
Defaults follow Stable-Baselines3's TD3 (lr 1e-3, batch 256, tau 0.005, delay 2, noise
0.2 clipped at 0.5, uniform replay, MSE critic loss, 1-step returns), with 0.1
exploration noise; env runners sample 32 steps (SACConfig's fragment) between weight syncs.
"""

from __future__ import annotations

from typing import Any

from ray.rllib.algorithms.algorithm_config import NotProvided
from ray.rllib.core.rl_module.rl_module import RLModuleSpec

from arenalab.algorithms.sac import SAC, SACConfig


class TD3Config(SACConfig):
    """SAC's off-policy config with TD3's noise and delay settings (and no entropy term)."""

    def __init__(self, algo_class: type | None = None) -> None:
        """Set TD3's defaults (Stable-Baselines3's) on top of SAC's settings."""
        super().__init__(algo_class=algo_class or TD3)
        self.twin_q = True
        self.actor_lr = 1e-3
        self.critic_lr = 1e-3
        self.tau = 0.005
        self.train_batch_size_per_learner = 256
        self.num_steps_sampled_before_learning_starts = 100
        self.policy_delay = 2
        self.exploration_noise = 0.1
        self.target_noise = 0.2
        self.target_noise_clip = 0.5
        # Step the optimizers as plain torch (and SB3) do: RLlib's default checks every
        # gradient tensor for nan/inf twice per step, a fifth of a TD3 update's time.
        self.torch_skip_nan_gradients = True

    def training(
        self,
        *,
        policy_delay: int | None = NotProvided,
        exploration_noise: float | None = NotProvided,
        target_noise: float | None = NotProvided,
        target_noise_clip: float | None = NotProvided,
        **kwargs: Any,
    ) -> TD3Config:
        """SAC's training keywords plus TD3's own.

        Args:
            policy_delay: Critic steps per actor (and target) update.
            exploration_noise: Std of the Gaussian noise added to actions while sampling,
                in normalized action units ([-1, 1]).
            target_noise: Std of the target policy smoothing noise (normalized units).
            target_noise_clip: The smoothing noise is clipped to +-this.
            **kwargs: Any SAC training keyword (``actor_lr``, ``critic_lr``, ``tau``, ...).
        """
        super().training(**kwargs)
        for name, value in (
            ("policy_delay", policy_delay),
            ("exploration_noise", exploration_noise),
            ("target_noise", target_noise),
            ("target_noise_clip", target_noise_clip),
        ):
            if value is not NotProvided:
                setattr(self, name, value)
        return self

    def validate(self) -> None:
        """SAC's checks plus TD3's: two critics, a positive delay, non-negative noises."""
        super().validate()
        if not self.twin_q:
            self._value_error("TD3 uses twin critics: twin_q must be True")
        if not isinstance(self.policy_delay, int) or self.policy_delay < 1:
            self._value_error(f"policy_delay must be an int >= 1, got {self.policy_delay!r}")
        for name in ("exploration_noise", "target_noise", "target_noise_clip"):
            if getattr(self, name) < 0:
                self._value_error(f"{name} must be >= 0, got {getattr(self, name)}")
        if not self.normalize_actions:
            self._value_error(
                "TD3's actor acts in [-1, 1]: normalize_actions must be True (RLlib then "
                "scales actions to the env's Box bounds)"
            )

    def get_default_rl_module_spec(self) -> RLModuleSpec:
        """TD3's module: deterministic actor, twin critics, targets of both."""
        from arenalab.algorithms.td3_module import TD3Catalog, TD3TorchRLModule

        return RLModuleSpec(module_class=TD3TorchRLModule, catalog_class=TD3Catalog)

    def get_default_learner_class(self) -> type:
        """TD3's torch learner (twin-critic loss, delayed actor and target updates)."""
        from arenalab.algorithms.td3_learner import TD3TorchLearner

        return TD3TorchLearner

    @property
    def _model_config_auto_includes(self) -> dict[str, Any]:
        """The module needs the noise settings: it adds them itself (sampling, targets)."""
        return super()._model_config_auto_includes | {
            "exploration_noise": self.exploration_noise,
            "target_noise": self.target_noise,
            "target_noise_clip": self.target_noise_clip,
        }


class TD3(SAC):
    """SAC's algorithm with a flat replay buffer and all of a step's updates in one call."""

    @classmethod
    def get_default_config(cls) -> TD3Config:
        """A fresh :class:`TD3Config`."""
        return TD3Config()
