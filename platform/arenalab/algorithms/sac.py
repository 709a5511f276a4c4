"""RLlib's SAC on arenalab's flat replay loop: the same soft actor-critic, sampled faster.

RLlib 2.60's SAC shares DQN's loop: one env step per sample call, each followed by a
weight sync, and a prioritized episode replay buffer that hands rows back as one-step
episodes. Here the loop is :class:`~arenalab.algorithms.replay.FlatReplayLoop` (flat
uniform replay, ``ROLLOUT_FRAGMENT``-step fragments, a step's K updates in one learner
call); RLlib's SAC config, RLModule (stochastic actor, twin Q, entropy temperature) and
learner are unchanged. Replay is uniform with 1-step returns: the config refuses
prioritized replay and ``n_step > 1``.
"""

from __future__ import annotations

from ray.rllib.algorithms.sac import SAC as RLlibSAC
from ray.rllib.algorithms.sac import SACConfig as RLlibSACConfig

from arenalab.algorithms.replay import FlatReplayConfig, FlatReplayLoop


class SACConfig(FlatReplayConfig, RLlibSACConfig):
    """RLlib's SAC settings with a plain buffer, sampled in ``ROLLOUT_FRAGMENT``-step fragments."""

    def __init__(self, algo_class: type | None = None) -> None:
        """RLlib's defaults with the flat loop's buffer and fragment."""
        super().__init__(algo_class=algo_class or SAC)


class SAC(FlatReplayLoop, RLlibSAC):
    """RLlib's SAC run by :class:`~arenalab.algorithms.replay.FlatReplayLoop`."""

    @classmethod
    def get_default_config(cls) -> SACConfig:
        """A fresh :class:`SACConfig`."""
        return SACConfig()
