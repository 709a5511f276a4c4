"""A served policy: one RLModule plus the connector steps around it, acting on numpy batches."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch
from ray.rllib.core.columns import Columns
from ray.rllib.core.rl_module.rl_module import RLModule

from arenalab.policies.connectors import Connectors, read_connectors
from arenalab.policies.errors import ObservationError, UnsupportedCheckpointError

MODULES_DIR = "learner_group/learner/rl_module"


@dataclass
class Policy:
    """What RLlib's env runner does for one step, minus the env: filter, forward, act."""

    module: RLModule
    connectors: Connectors
    acts_directly: bool = field(init=False)
    """The module returns actions, not a distribution (DQN's argmax of Q)."""

    def __post_init__(self) -> None:
        probe = np.zeros((1, self.observation_size), np.float32)
        self.acts_directly = Columns.ACTION_DIST_INPUTS not in self._forward(probe, explore=False)

    @classmethod
    def from_checkpoint(cls, checkpoint: Path, module_id: str = "default_policy") -> Policy:
        """Load only the RLModule (no Algorithm, no env runners) and its connector steps."""
        path = Path(checkpoint) / MODULES_DIR / module_id
        if not path.is_dir():
            raise UnsupportedCheckpointError(f"checkpoint {checkpoint} has no module {module_id!r}")
        module = RLModule.from_checkpoint(str(path.resolve())).eval()
        if module.is_stateful():
            raise UnsupportedCheckpointError("recurrent (stateful) modules are not served")
        return cls(module, read_connectors(Path(checkpoint), module.action_space))

    @property
    def observation_space(self) -> gym.Space:
        """One agent's observation space (the module's own, also in multi-agent checkpoints)."""
        return self.module.observation_space

    @property
    def observation_size(self) -> int:
        """Length of one flat observation vector."""
        return int(np.prod(self.observation_space.shape))

    @property
    def action_space(self) -> gym.Space:
        """The space every returned action lies in: the env's, or what a table decodes to."""
        space = self.module.action_space
        return space.controls if decodes_actions(space) else space

    def _env_actions(self, actions: np.ndarray) -> np.ndarray:
        """Post-process module actions; a table's indices become the vectors they mean.

        The one place decoding happens: ``/act``, evaluation, the tournament and ONNX
        export all answer through here (an arena learner with ``action_set: discrete``
        answers the game's 4-vector, see :mod:`arenalab.envs.arena.actions`).
        """
        actions = self.connectors.postprocess(actions)
        space = self.module.action_space
        return space.decode(actions) if decodes_actions(space) else actions

    def check(self, observations: np.ndarray) -> np.ndarray:
        """A (batch, size) float32 array, or ObservationError naming the bad row."""
        array = np.asarray(observations, dtype=np.float32)
        if array.ndim == 1:
            array = array[None]
        if array.ndim != 2 or array.shape[1] != self.observation_size:
            got = array.shape[-1] if array.ndim else 0
            raise ObservationError(
                (), f"expected {self.observation_size} values per observation, got {got}"
            )
        finite = np.isfinite(array).all(axis=1)
        if not finite.all():
            row = int(np.argmin(finite))
            raise ObservationError((row,), "observation values must be finite (no NaN/inf)")
        return array

    def _forward(self, observations: np.ndarray, *, explore: bool) -> dict[str, torch.Tensor]:
        observations = np.atleast_2d(observations)  # one observation acts as a batch of one
        filtered = observations
        if self.connectors.observation_filter is not None:
            filtered = self.connectors.observation_filter(observations)
        batch = {Columns.OBS: torch.from_numpy(np.ascontiguousarray(filtered, dtype=np.float32))}
        with torch.inference_mode():
            forward = self.module.forward_exploration if explore else self.module.forward_inference
            return forward(batch)

    def distribution_inputs(
        self, observations: np.ndarray, *, explore: bool = False
    ) -> torch.Tensor:
        """The module's action-distribution inputs for checked, unfiltered observations."""
        outputs = self._forward(observations, explore=explore)
        if Columns.ACTION_DIST_INPUTS not in outputs:
            raise UnsupportedCheckpointError(
                "this module returns actions, not an action distribution (a Q-learning policy)"
            )
        return outputs[Columns.ACTION_DIST_INPUTS]

    def act(self, observations: np.ndarray, *, deterministic: bool = True) -> np.ndarray:
        """Env-ready actions for a batch: greedy like ``explore=False``, else sampled.

        A Q-learning module (DQN) always answers greedily: its exploration is an epsilon
        schedule of training, not a policy distribution worth serving.
        """
        if self.acts_directly:
            actions = self._forward(observations, explore=False)[Columns.ACTIONS].numpy()
            return self._env_actions(actions)
        inputs = self.distribution_inputs(observations, explore=not deterministic)
        if deterministic:
            dist = self.module.get_inference_action_dist_cls().from_logits(inputs)
            dist = dist.to_deterministic()
        else:
            dist = self.module.get_exploration_action_dist_cls().from_logits(inputs)
        with torch.inference_mode():
            actions = dist.sample().numpy()
        return self._env_actions(actions)


def decodes_actions(space: gym.Space) -> bool:
    """Whether ``space`` is a table of actions that decodes its indices (``ArenaActions``)."""
    return callable(getattr(space, "decode", None))
