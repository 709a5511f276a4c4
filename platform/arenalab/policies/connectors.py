"""What RLlib's env-to-module and module-to-env pipelines do, read back from a checkpoint.

The pipelines are restored with RLlib's own ``from_checkpoint`` (their files are in our
storage, written by our training), then reduced to the two steps that matter for one
forward pass: the observation filter (``MeanStdFilter``, frozen: serving never updates
its statistics) and the action post-processing (``NormalizeAndClipActions``). Any other
connector that changes data is refused, because serving would then act differently.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gymnasium as gym
import numpy as np
from ray.rllib.connectors.connector_pipeline_v2 import ConnectorPipelineV2
from ray.rllib.connectors.env_to_module.mean_std_filter import MeanStdFilter
from ray.rllib.connectors.module_to_env.normalize_and_clip_actions import (
    NormalizeAndClipActions,
)
from ray.rllib.utils.filter import MeanStdFilter as RunningMeanStd
from ray.rllib.utils.numpy import SMALL_NUMBER
from ray.rllib.utils.spaces.space_utils import (
    clip_action,
    get_base_struct_from_space,
    unsquash_action,
)

from arenalab.algorithms.sampling import LatestObservations, SampledActions
from arenalab.policies.errors import UnsupportedCheckpointError

# Connectors that only move data between episodes, batches and tensors (and sample).
_PLUMBING = {
    LatestObservations.__name__,
    SampledActions.__name__,
    "AddObservationsFromEpisodesToBatch",
    "AddTimeDimToBatchAndZeroPad",
    "AddStatesFromEpisodesToBatch",
    "AgentToModuleMapping",
    "BatchIndividualItems",
    "NumpyToTensor",
    "GetActions",
    "TensorToNumpy",
    "UnBatchToIndividualItems",
    "RemoveSingleTsTimeRankFromBatch",
    "ListifyDataForVectorEnv",
    "ModuleToAgentUnmapping",
}


@dataclass(frozen=True)
class ObservationFilter:
    """RLlib's running mean/std filter with its trained statistics, applied without updates."""

    running: RunningMeanStd

    def __call__(self, observations: np.ndarray) -> np.ndarray:
        """Normalise a batch exactly as the env runner did during training."""
        return self.running(observations, update=False)

    def affine(self) -> tuple[np.ndarray, np.ndarray, float | None]:
        """(shift, scale, clip) with ``clip((obs - shift) / scale)``: the filter as tensor ops."""
        stats, running = self.running.running_stats, self.running
        shift = stats.mean if running.demean else np.zeros(stats.shape)
        scale = stats.std + SMALL_NUMBER if running.destd else np.ones(stats.shape)
        return shift.astype(np.float32), scale.astype(np.float32), running.clip or None


@dataclass(frozen=True)
class ActionPostprocess:
    """Module actions -> env actions, as ``NormalizeAndClipActions`` does for the env runner."""

    action_space: gym.Space
    normalize: bool
    clip: bool

    def __call__(self, actions: np.ndarray) -> np.ndarray:
        """Unsquash (or clip) a batch of actions into the env's action space."""
        struct = get_base_struct_from_space(self.action_space)
        if self.normalize:
            return unsquash_action(actions, struct)
        if self.clip:
            return clip_action(actions, struct)
        return actions


@dataclass(frozen=True)
class Connectors:
    """The inference-relevant part of a checkpoint's connector pipelines."""

    observation_filter: ObservationFilter | None
    postprocess: ActionPostprocess


def read_connectors(checkpoint: Path, action_space: gym.Space) -> Connectors:
    """Restore the env runner's pipelines and keep the steps a served policy must replay.

    Offline algorithms (BC, MARWIL, CQL, IQL) save no env runner, so their checkpoints
    hold no connector state: they act through the steps an env runner adds by default
    (no observation filter, actions unsquashed into the space), as RLlib would run them.
    """
    runner = checkpoint / "env_runner"
    if not runner.is_dir():
        return Connectors(None, ActionPostprocess(action_space, normalize=True, clip=False))
    env_to_module = ConnectorPipelineV2.from_checkpoint(str(runner / "env_to_module_connector"))
    module_to_env = ConnectorPipelineV2.from_checkpoint(str(runner / "module_to_env_connector"))
    observation_filter = None
    postprocess = ActionPostprocess(action_space, normalize=False, clip=False)
    for connector in [*env_to_module.connectors, *module_to_env.connectors]:
        name = type(connector).__name__
        if isinstance(connector, MeanStdFilter):
            observation_filter = _single_agent_filter(connector)
        elif isinstance(connector, NormalizeAndClipActions):
            postprocess = ActionPostprocess(
                action_space, connector.normalize_actions, connector.clip_actions
            )
        elif name not in _PLUMBING:
            raise UnsupportedCheckpointError(f"connector {name} cannot be replayed by the server")
    return Connectors(observation_filter, postprocess)


def _single_agent_filter(connector: MeanStdFilter) -> ObservationFilter:
    filters = connector._filters or {}  # RLlib keeps the restored filters here
    if set(filters) != {None}:
        raise UnsupportedCheckpointError(
            "per-agent observation filters (multi-agent MeanStdFilter) are not served"
        )
    return ObservationFilter(filters[None])
