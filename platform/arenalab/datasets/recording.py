"""Episodes RLlib records during simulated training, stored next to the game's frames.

Call :func:`enable_recording` on an AlgorithmConfig before ``build_algo()``: RLlib's own
offline output (``.offline_data(output=...)``) then writes every complete episode its
env runners sample, as msgpack'd ``SingleAgentEpisode`` states (one Parquet row per
episode, RLlib's episode format), under::

    {storage}/datasets/sim/{game}/fighter_id={id}/obs_spec={spec}/<env>/run-*/…parquet

The two ``key=value`` folders are hive partitions, so the reader knows the fighter and
observation spec of every row without a registry lookup. :func:`sim_transitions` turns
the stored episodes into rows of the same view as game frames (source ``"sim"``).
Recording works for single-agent env runners (RLlib 2.60's offline output is
single-agent); record the learner of ``arenalab/Arena-v0``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from arenalab.datasets.episodes import VIEW_SCHEMA, transitions_table
from arenalab.datasets.schema import DATASETS_DIR
from arenalab.datasets.selection import Source
from arenalab.storage import Storage

SIM_DIR = "sim"
EPISODES_PER_FILE = 64


def sim_root(storage: Storage, game: str) -> str:
    """Where RLlib-recorded episodes of ``game`` live: ``{storage}/datasets/sim/{game}``."""
    return storage.path(DATASETS_DIR, SIM_DIR, game)


def enable_recording(
    config: Any, storage: Storage, *, game: str, fighter_id: int, obs_spec: str
) -> Any:
    """Make an RLlib AlgorithmConfig write its sampled episodes into the sim dataset.

    Args:
        config: an ``AlgorithmConfig`` (e.g. PPOConfig) for a single-agent env.
        storage: the platform storage (local folder or any pyarrow filesystem URI).
        game: the dataset the episodes join, e.g. ``"arena"``.
        fighter_id: the registry fighter the recorded learner plays.
        obs_spec: the observation spec of the env, e.g. ``"arena-obs-v1"``.

    Returns:
        The same config, changed in place: complete episodes only (so every recorded
        episode is done), episode format (needs ``msgpack-numpy``), remaining episodes
        written when the algorithm stops.
    """
    path = f"{sim_root(storage, game)}/fighter_id={fighter_id}/obs_spec={obs_spec}"
    config.env_runners(batch_mode="complete_episodes")
    return config.offline_data(
        output=path,
        output_filesystem=None if storage.is_local else storage.filesystem,
        output_write_episodes=True,
        output_max_rows_per_file=EPISODES_PER_FILE,
        output_write_remaining_data=True,
        output_write_method_kwargs={"min_rows_per_file": EPISODES_PER_FILE},
    )


def decode_episode(item: bytes) -> Any:
    """One stored row back into RLlib's ``SingleAgentEpisode``."""
    import msgpack  # only sim readers need these
    import msgpack_numpy
    from ray.rllib.env.single_agent_episode import SingleAgentEpisode

    return SingleAgentEpisode.from_state(msgpack.unpackb(item, object_hook=msgpack_numpy.decode))


def episode_rows(
    episode: Any, *, fighter_id: int, game: str, obs_spec: str, gamma: float
) -> pa.Table:
    """A recorded episode's transitions as view rows (source ``"sim"``)."""
    observations = np.asarray(episode.get_observations(), np.float32)
    rewards = np.asarray(episode.get_rewards(), np.float32)
    n = len(rewards)
    terminateds = np.zeros(n, bool)
    truncateds = np.zeros(n, bool)
    if n:
        terminateds[-1] = bool(episode.is_terminated)
        truncateds[-1] = bool(episode.is_truncated)
    return transitions_table(
        eps_ids=[f"sim-{episode.id_}"] * n,
        t=np.arange(episode.t_started, episode.t_started + n),
        obs=observations[:-1],
        actions=np.asarray(episode.get_actions(), np.float32).reshape(n, -1),
        rewards=rewards,
        new_obs=observations[1:],
        terminateds=terminateds,
        truncateds=truncateds,
        episode_return=float(rewards.sum()),
        gamma=gamma,
        fighter_id=fighter_id,
        episode_id=None,
        game=game,
        obs_spec=obs_spec,
        source=Source.SIM,
    )


class SimEpisodes:
    """``map_batches`` callable: stored episode rows in, view rows out (picklable)."""

    def __init__(self, game: str, gamma: float) -> None:
        self.game = game
        self.gamma = gamma

    def __call__(self, batch: pa.Table) -> pa.Table:
        """Decode every episode of a batch; partition columns give fighter and spec."""
        tables = [
            episode_rows(
                decode_episode(item),
                fighter_id=int(fighter),
                game=self.game,
                obs_spec=spec,
                gamma=self.gamma,
            )
            for item, fighter, spec in zip(
                batch["item"].to_pylist(),
                batch["fighter_id"].to_pylist(),
                batch["obs_spec"].to_pylist(),
                strict=True,
            )
        ]
        return pa.concat_tables(tables) if tables else VIEW_SCHEMA.empty_table()
