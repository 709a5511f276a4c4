"""TD3's torch learner: twin-critic TD loss every step, actor and targets every d-th step."""

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
from ray.rllib.core.learner.utils import update_target_network
from ray.rllib.core.rl_module.rl_module import RLModule
from ray.rllib.utils.metrics import ALL_MODULES, NUM_TARGET_UPDATES, TD_ERROR_KEY
from ray.rllib.utils.typing import ModuleID, ParamDict

from arenalab.algorithms.td3 import TD3Config

OPTIMIZERS = {"qf": QF_LOSS_KEY, "qf_twin": QF_TWIN_LOSS_KEY, "policy": POLICY_LOSS_KEY}
"""Each optimizer and the loss it steps on (the actor's only on delayed steps)."""


class TD3TorchLearner(DQNTorchLearner):
    """Critics: MSE to ``r + gamma^n (1 - done) min(Q1', Q2')(s', smoothed pi'(s'))``.

    The actor maximizes ``Q1(s, pi(s))``; it and every target network (Polyak ``tau``)
    are updated once per ``policy_delay`` gradient steps.
    """

    def build(self) -> None:
        """DQN's build (target networks, next-observation connector) plus step counters."""
        super().build()
        self._steps: dict[ModuleID, int] = defaultdict(int)
        self._actor_stepped: set[ModuleID] = set()
        self._losses: dict[tuple[ModuleID, str], torch.Tensor] = {}

    def rl_module_is_compatible(self, module: RLModule) -> bool:
        """Only modules with critics and targets get optimizers (not a league's scripted seat).

        RLlib's torch learner accepts any torch module, so a multi-agent league's
        heuristic would otherwise get critic optimizers it has no networks for.
        """
        required = self.rl_module_required_apis()
        return super().rl_module_is_compatible(module) and all(
            isinstance(module, api) for api in required
        )

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
                optimizer=torch.optim.Adam(params),
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
        """The critics' losses, plus the actor's on every ``policy_delay``-th step."""
        not_done = 1.0 - batch[Columns.TERMINATEDS].float()
        discount = config.gamma ** batch["n_step"]
        target = (batch[Columns.REWARDS] + discount * not_done * fwd_out[QF_TARGET_NEXT]).detach()
        weights = batch.get("weights", torch.ones_like(target))
        q, q_twin = fwd_out[QF_PREDS], fwd_out[QF_TWIN_PREDS]
        losses = {
            QF_LOSS_KEY: torch.mean(weights * (q - target) ** 2),
            QF_TWIN_LOSS_KEY: torch.mean(weights * (q_twin - target) ** 2),
        }
        step = self._steps[module_id]
        self._steps[module_id] += 1
        if step % config.policy_delay == 0:
            module = self.module[module_id].unwrapped()
            losses[POLICY_LOSS_KEY] = -torch.mean(module.actor_q(batch[Columns.OBS]))
            self._actor_stepped.add(module_id)
        td_error = 0.5 * (torch.abs(q - target) + torch.abs(q_twin - target))
        self.metrics.log_value((module_id, TD_ERROR_KEY), td_error, reduce="item_series")
        self.metrics.log_dict(
            {**losses, QF_MEAN_KEY: torch.mean(q), TD_ERROR_MEAN_KEY: torch.mean(td_error)},
            key=module_id,
            window=1,
        )
        self._losses.update({(module_id, key): loss for key, loss in losses.items()})
        return sum(losses.values())

    def compute_gradients(
        self, loss_per_module: dict[ModuleID, torch.Tensor], **kwargs: Any
    ) -> ParamDict:
        """Backpropagate each optimizer's own loss; the actor's only when it was computed."""
        grads = {}
        for module_id in set(loss_per_module) - {ALL_MODULES}:
            for name, optimizer in self.get_optimizers_for_module(module_id):
                optimizer.zero_grad(set_to_none=True)
                loss = self._losses.pop((module_id, OPTIMIZERS[name]), None)
                if loss is None:  # a delayed step: the actor keeps its weights
                    continue
                loss.backward(retain_graph=True)
                params = self.filter_param_dict_for_optimizer(self._params, optimizer)
                grads.update({pid: p.grad for pid, p in params.items()})
        return grads

    def after_gradient_based_update(self, *, timesteps: dict[str, Any]) -> None:
        """Polyak-update all targets of the modules whose actor just stepped.

        Skips DQN's own rule (a sync every ``target_network_update_freq`` env steps):
        TD3 moves its targets with the actor.
        """
        super(DQNLearner, self).after_gradient_based_update(timesteps=timesteps)
        for module_id in self._actor_stepped:
            tau = self.config.get_config_for_module(module_id).tau
            for main, target in self.module[module_id].unwrapped().get_target_network_pairs():
                update_target_network(main_net=main, target_net=target, tau=tau)
            self.metrics.log_value((module_id, NUM_TARGET_UPDATES), 1, reduce="lifetime_sum")
        self._actor_stepped.clear()
