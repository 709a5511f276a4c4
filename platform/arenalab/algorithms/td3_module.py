"""TD3's RLModule: a deterministic tanh actor, twin Q critics and targets of all three.

It reuses SAC's default module and catalog and changes two things. The critics are
TD3's (and Stable-Baselines3's): one MLP of ``fcnet_hiddens`` over the concatenated
``[obs, action]``, not SAC's two encoder streams plus a 256x256 fusion net, which
took over 30x the critic's multiply-adds at ``fcnet_hiddens=[64, 64]``. The actor's
policy head outputs one value per action dimension, squashed by tanh into [-1, 1]
(RLlib's ``normalize_actions`` scales that to the env's Box). Both inference and exploration
return the action as ``actions`` and as ``action_dist_inputs`` of a deterministic
distribution, so env runners, arenalab's served ``Policy`` and the ONNX export all
read it like any other policy; exploration adds clipped Gaussian noise.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import gymnasium as gym
import torch
from ray.rllib.algorithms.sac.sac_catalog import SACCatalog
from ray.rllib.algorithms.sac.sac_learner import QF_PREDS, QF_TARGET_NEXT, QF_TWIN_PREDS
from ray.rllib.algorithms.sac.torch.default_sac_torch_rl_module import DefaultSACTorchRLModule
from ray.rllib.core.columns import Columns
from ray.rllib.core.distribution.torch.torch_distribution import TorchDeterministic
from ray.rllib.core.learner.utils import make_target_network
from ray.rllib.core.models.base import ENCODER_OUT, Encoder, Model
from ray.rllib.core.models.configs import MLPEncoderConfig

ACTION_LOW, ACTION_HIGH = -1.0, 1.0


class TD3Deterministic(TorchDeterministic):
    """The action itself as a distribution (RLlib's ``TorchDeterministic`` lacks from_logits)."""

    @classmethod
    def from_logits(cls, logits: torch.Tensor, **kwargs: Any) -> TD3Deterministic:
        """The distribution whose every sample is ``logits`` (the actor's action)."""
        return cls(loc=logits)


class TD3Catalog(SACCatalog):
    """SAC's catalog with a deterministic policy head (one output per action dimension)."""

    def __init__(self, observation_space: gym.Space, action_space: gym.Space, **kwargs: Any):
        """Refuse non-continuous action spaces before building anything."""
        if not isinstance(action_space, gym.spaces.Box):
            raise ValueError(
                f"TD3 needs a continuous (Box) action space; this env has {action_space}"
            )
        super().__init__(observation_space, action_space, **kwargs)

    def build_qf_encoder(self, framework: str) -> Encoder:
        """The pi encoder's MLP (``fcnet_hiddens``) over ``[obs, action]`` concatenated."""
        if not isinstance(self._encoder_config, MLPEncoderConfig):
            raise ValueError(
                f"TD3 needs a flat (1-D Box) observation space; this env has "
                f"{self.observation_space}"
            )
        width = self._encoder_config.input_dims[0] + self.action_space.shape[0]
        config = dataclasses.replace(self._encoder_config, input_dims=[width])
        return config.build(framework=framework)

    def get_action_dist_cls(self, framework: str) -> type[TD3Deterministic]:
        """A deterministic "distribution": the pi head's output is the action."""
        return TD3Deterministic


class TD3TorchRLModule(DefaultSACTorchRLModule):
    """``obs -> pi_encoder -> pi -> tanh`` acts; ``[obs, a] -> qf(_twin)`` criticizes."""

    def make_target_networks(self) -> None:
        """SAC's target critics plus a target actor (TD3's targets use it)."""
        super().make_target_networks()
        self.target_pi_encoder = make_target_network(self.pi_encoder)
        self.target_pi = make_target_network(self.pi)

    def get_target_network_pairs(self) -> list[tuple[torch.nn.Module, torch.nn.Module]]:
        """Every (main, target) pair the learner moves by Polyak averaging."""
        return super().get_target_network_pairs() + [
            (self.pi_encoder, self.target_pi_encoder),
            (self.pi, self.target_pi),
        ]

    def get_non_inference_attributes(self) -> list[str]:
        """Env runners and served policies need only the actor."""
        return super().get_non_inference_attributes() + ["target_pi_encoder", "target_pi"]

    def _qf_forward_train_helper(
        self, batch: dict[str, Any], encoder: Encoder, head: Model, squeeze: bool = True
    ) -> torch.Tensor:
        """``Q(s, a)`` from the critic's MLP over ``[obs, action]``."""
        inputs = torch.cat([batch[Columns.OBS], batch[Columns.ACTIONS]], dim=-1)
        q = head(encoder({Columns.OBS: inputs})[ENCODER_OUT])
        return q.squeeze(-1) if squeeze else q

    def actor(self, obs: torch.Tensor) -> torch.Tensor:
        """The deterministic action in [-1, 1]."""
        return torch.tanh(self.pi(self.pi_encoder({Columns.OBS: obs})[ENCODER_OUT]))

    def target_actor(self, obs: torch.Tensor) -> torch.Tensor:
        """The target actor's action in [-1, 1]."""
        encoded = self.target_pi_encoder({Columns.OBS: obs})[ENCODER_OUT]
        return torch.tanh(self.target_pi(encoded))

    def _act(self, actions: torch.Tensor) -> dict[str, torch.Tensor]:
        return {Columns.ACTIONS: actions, Columns.ACTION_DIST_INPUTS: actions}

    def _forward_inference(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self._act(self.actor(batch[Columns.OBS]))

    def _forward_exploration(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        actions = self.actor(batch[Columns.OBS])
        noise = torch.randn_like(actions) * self.model_config["exploration_noise"]
        return self._act(torch.clamp(actions + noise, ACTION_LOW, ACTION_HIGH))

    def _forward_train(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Both critics on the batch's actions and the smoothed target for next states."""
        current = {Columns.OBS: batch[Columns.OBS], Columns.ACTIONS: batch[Columns.ACTIONS]}
        output = {
            QF_PREDS: self._qf_forward_train_helper(current, self.qf_encoder, self.qf),
            QF_TWIN_PREDS: self._qf_forward_train_helper(
                current, self.qf_twin_encoder, self.qf_twin
            ),
        }
        with torch.no_grad():
            next_obs = batch[Columns.NEXT_OBS]
            next_actions = self.target_actor(next_obs)
            clip = self.model_config["target_noise_clip"]
            noise = torch.randn_like(next_actions) * self.model_config["target_noise"]
            next_actions = torch.clamp(
                next_actions + torch.clamp(noise, -clip, clip), ACTION_LOW, ACTION_HIGH
            )
            output[QF_TARGET_NEXT] = self.forward_target(
                {Columns.OBS: next_obs, Columns.ACTIONS: next_actions}
            )
        return output

    def actor_q(self, obs: torch.Tensor) -> torch.Tensor:
        """Q1 of the actor's own action, differentiable w.r.t. the actor only.

        The critic's parameters are frozen meanwhile, so the actor loss leaves no
        gradient on them (the learner backpropagates each optimizer's loss in turn).
        """
        critic = list(self.qf_encoder.parameters()) + list(self.qf.parameters())
        for param in critic:
            param.requires_grad_(False)
        try:
            batch = {Columns.OBS: obs, Columns.ACTIONS: self.actor(obs)}
            return self._qf_forward_train_helper(batch, self.qf_encoder, self.qf)
        finally:
            for param in critic:
                param.requires_grad_(True)
