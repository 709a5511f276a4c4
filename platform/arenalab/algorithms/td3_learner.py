"""TD3's torch learner: twin-critic TD loss every step, actor and targets every d-th step.

The algorithm hands it K minibatches per call; each is one gradient step, and the
delayed actor step and the Polyak target moves happen inside that step, so K steps in
one call mean what K separate calls would.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import torch
from ray.rllib.algorithms.dqn.dqn_learner import DQNLearner
from ray.rllib.algorithms.dqn.torch.dqn_torch_learner import DQNTorchLearner
from ray.rllib.algorithms.sac.sac_learner import (
    QF_LOSS_KEY,
    QF_MEAN_KEY,
    QF_PREDS,
    QF_TARGET_NEXT,
    QF_TWIN_LOSS_KEY,
    QF_TWIN_PREDS,
    TD_ERROR_MEAN_KEY,
)
from ray.rllib.core.columns import Columns
from ray.rllib.core.learner.learner import POLICY_LOSS_KEY
from ray.rllib.utils.metrics import NUM_TARGET_UPDATES
from ray.rllib.utils.typing import ModuleID, ParamDict

from arenalab.algorithms.td3 import TD3Config


@torch.no_grad()
def polyak(pairs: list[tuple[torch.nn.Module, torch.nn.Module]], tau: float) -> None:
    """``target <- (1 - tau) target + tau main`` for every pair, in one fused op.

    RLlib's ``update_target_network`` rebuilds and reloads state dicts (about as slow as
    the gradient step itself for TD3's small networks); the MLPs have no buffers.
    """
    mains = [p for main, _ in pairs for p in main.parameters()]
    targets = [p for _, target in pairs for p in target.parameters()]
    torch._foreach_lerp_(targets, mains, tau)


class TD3TorchLearner(DQNTorchLearner):
    """Critics: MSE to ``r + gamma (1 - done) min(Q1', Q2')(s', smoothed pi'(s'))``.

    The actor maximizes ``Q1(s, pi(s))``; it and every target network (Polyak ``tau``)
    are updated once per ``policy_delay`` gradient steps.
    """

    def build(self) -> None:
        """DQN's build (target networks) plus the critic-step counters."""
        super().build()
        self._steps: dict[ModuleID, int] = defaultdict(int)
        self._actor_stepped: set[ModuleID] = set()

    def configure_optimizers_for_module(
        self, module_id: ModuleID, config: TD3Config = None
    ) -> None:
        """One Adam per network: critic, twin critic, actor."""
        module = self._module[module_id]
        parts = {
            "qf": (module.qf_encoder, module.qf, config.critic_lr),
            "qf_twin": (module.qf_twin_encoder, module.qf_twin, config.critic_lr),
            "policy": (module.pi_encoder, module.pi, config.actor_lr),
        }
        for name, (encoder, head, lr) in parts.items():
            params = self.get_parameters(encoder) + self.get_parameters(head)
            self.register_optimizer(
                module_id=module_id,
                optimizer_name=name,
                optimizer=torch.optim.Adam(params, foreach=True),
                params=params,
                lr_or_lr_schedule=lr,
            )

    def compute_loss_for_module(
        self,
        *,
        module_id: ModuleID,
        config: TD3Config,
        batch: dict[str, Any],
        fwd_out: dict[str, torch.Tensor],
    ) -> torch.Tensor:
        """Both critics' TD losses, plus the actor's on every ``policy_delay``-th step.

        Each term reaches only its own network's parameters (the target is detached,
        the actor's loss freezes the critic), so one backward pass serves all three.
        """
        not_done = 1.0 - batch[Columns.TERMINATEDS].float()
        target = (
            batch[Columns.REWARDS] + config.gamma * not_done * fwd_out[QF_TARGET_NEXT]
        ).detach()
        q, q_twin = fwd_out[QF_PREDS], fwd_out[QF_TWIN_PREDS]
        losses = {
            QF_LOSS_KEY: torch.mean((q - target) ** 2),
            QF_TWIN_LOSS_KEY: torch.mean((q_twin - target) ** 2),
        }
        step = self._steps[module_id]
        self._steps[module_id] += 1
        if step % config.policy_delay == 0:
            module = self.module[module_id].unwrapped()
            losses[POLICY_LOSS_KEY] = -torch.mean(module.actor_q(batch[Columns.OBS]))
            self._actor_stepped.add(module_id)
        td_error = 0.5 * (torch.abs(q - target) + torch.abs(q_twin - target))
        self.metrics.log_dict(
            {**losses, QF_MEAN_KEY: torch.mean(q), TD_ERROR_MEAN_KEY: torch.mean(td_error)},
            key=module_id,
            window=1,
        )
        return sum(losses.values())

    def compute_gradients(
        self, loss_per_module: dict[ModuleID, torch.Tensor], **kwargs: Any
    ) -> ParamDict:
        """One backward pass; a delayed step leaves the actor without gradients (not stepped)."""
        for optimizer in self._optimizer_parameters:
            optimizer.zero_grad(set_to_none=True)
        sum(loss_per_module.values()).backward()
        return {pid: p.grad for pid, p in self._params.items() if p.grad is not None}

    def apply_gradients(self, gradients_dict: ParamDict) -> None:
        """Step the optimizers, then Polyak-move all targets of modules whose actor stepped."""
        super().apply_gradients(gradients_dict)
        for module_id in self._actor_stepped:
            tau = self.config.get_config_for_module(module_id).tau
            polyak(self.module[module_id].unwrapped().get_target_network_pairs(), tau)
            self.metrics.log_value((module_id, NUM_TARGET_UPDATES), 1, reduce="lifetime_sum")
        self._actor_stepped.clear()

    def after_gradient_based_update(self, *, timesteps: dict[str, Any]) -> None:
        """The base learner's bookkeeping, without DQN's periodic hard target sync.

        TD3's targets move with the actor (:meth:`apply_gradients`).
        """
        super(DQNLearner, self).after_gradient_based_update(timesteps=timesteps)
