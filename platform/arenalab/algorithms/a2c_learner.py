"""A2C's torch learner: PPO's learner pipeline (GAE connector) with the A2C loss."""

from __future__ import annotations

from typing import Any

import torch
from ray.rllib.algorithms.ppo.ppo import LEARNER_RESULTS_VF_EXPLAINED_VAR_KEY
from ray.rllib.algorithms.ppo.torch.ppo_torch_learner import PPOTorchLearner
from ray.rllib.core.columns import Columns
from ray.rllib.core.learner.learner import ENTROPY_KEY, POLICY_LOSS_KEY, VF_LOSS_KEY
from ray.rllib.evaluation.postprocessing import Postprocessing
from ray.rllib.utils.torch_utils import explained_variance
from ray.rllib.utils.typing import ModuleID

from arenalab.algorithms.a2c import A2CConfig

RMSPROP = {"alpha": 0.99, "eps": 1e-5}
"""A2C's RMSprop (the paper's and Stable-Baselines3's), not torch's eps=1e-8."""


class A2CTorchLearner(PPOTorchLearner):
    """``-logp(a) * A + vf_loss_coeff * (V - R)^2 - entropy_coeff * H``, one step per batch."""

    def configure_optimizers_for_module(
        self, module_id: ModuleID, config: A2CConfig = None
    ) -> None:
        """One optimizer over actor and critic: RMSprop (A2C's) or Adam."""
        params = self.get_parameters(self._module[module_id])
        if config.optimizer == "rmsprop":
            optimizer = torch.optim.RMSprop(params, **RMSPROP)
        else:
            optimizer = torch.optim.Adam(params)
        self.register_optimizer(
            module_id=module_id, optimizer=optimizer, params=params, lr_or_lr_schedule=config.lr
        )

    def compute_loss_for_module(
        self,
        *,
        module_id: ModuleID,
        config: A2CConfig,
        batch: dict[str, Any],
        fwd_out: dict[str, torch.Tensor],
    ) -> torch.Tensor:
        """The A2C loss over the batch (the connector's extra bootstrap steps masked out).

        The advantage is ``value_target - V(s)`` with ``V`` from the weights that also
        collected the batch and ran the GAE connector (one step per batch), i.e. the
        unnormalized GAE; ``normalize_advantages`` uses the connector's standardized one.
        """
        module = self.module[module_id].unwrapped()
        mask = batch.get(Columns.LOSS_MASK)

        def mean(values: torch.Tensor) -> torch.Tensor:
            return torch.mean(values) if mask is None else torch.sum(values[mask]) / mask.sum()

        dist = module.get_train_action_dist_cls().from_logits(fwd_out[Columns.ACTION_DIST_INPUTS])
        values = module.compute_values(batch, embeddings=fwd_out.get(Columns.EMBEDDINGS))
        targets = batch[Postprocessing.VALUE_TARGETS]
        if config.normalize_advantages:
            advantages = batch[Postprocessing.ADVANTAGES]
        else:
            advantages = targets - values.detach()
        policy_loss = -mean(dist.logp(batch[Columns.ACTIONS]) * advantages)
        vf_loss = mean(torch.pow(values - targets, 2.0))
        entropy = mean(dist.entropy())
        entropy_coeff = self.entropy_coeff_schedulers_per_module[module_id].get_current_value()
        self.metrics.log_dict(
            {
                POLICY_LOSS_KEY: policy_loss,
                VF_LOSS_KEY: vf_loss,
                ENTROPY_KEY: entropy,
                LEARNER_RESULTS_VF_EXPLAINED_VAR_KEY: explained_variance(targets, values),
            },
            key=module_id,
            window=1,
        )
        return policy_loss + config.vf_loss_coeff * vf_loss - entropy_coeff * entropy
