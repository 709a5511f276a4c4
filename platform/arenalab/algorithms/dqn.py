"""RLlib's DQN on arenalab's flat replay: the same Q learning, without its slowest parts.

A profile of RLlib 2.60's DQN on the seed's Pac-Man (``pacman-dqn.yaml``, 2 cores):
the episode replay buffer took 23% of the time (a deep copy of every stored chunk, one
one-step episode per sampled row), one sample call per env step plus its metrics
another third, the learner's updates only 10%; SB3's DQN ran 6x as many env steps/s.
This DQN keeps RLlib's config, RLModule (dueling or plain head, double Q, epsilon
schedule) and learner (Huber TD loss, hard or Polyak target updates), and changes the
loop: transitions are stored flat (:mod:`arenalab.algorithms.replay`), env runners
sample ``ROLLOUT_FRAGMENT`` steps per call, and a step's K updates go to the learner as
one call. Replay is uniform and returns are 1-step; the config refuses prioritized
replay and ``n_step > 1``.
"""

from __future__ import annotations

from ray.rllib.algorithms.dqn import DQN as RLlibDQN
from ray.rllib.algorithms.dqn import DQNConfig as RLlibDQNConfig

from arenalab.algorithms.replay import FlatReplayConfig, FlatReplayLoop


class DQNConfig(FlatReplayConfig, RLlibDQNConfig):
    """RLlib's DQN settings with a plain buffer, sampled in ``ROLLOUT_FRAGMENT``-step fragments."""

    def __init__(self, algo_class: type | None = None) -> None:
        """RLlib's defaults with the flat loop's buffer and fragment."""
        super().__init__(algo_class=algo_class or DQN)


class DQN(FlatReplayLoop, RLlibDQN):
    """RLlib's DQN run by :class:`~arenalab.algorithms.replay.FlatReplayLoop`."""

    @classmethod
    def get_default_config(cls) -> DQNConfig:
        """A fresh :class:`DQNConfig`."""
        return DQNConfig()
