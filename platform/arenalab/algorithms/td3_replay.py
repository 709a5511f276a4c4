"""TD3's replay memory: flat ``(s, a, r, s', terminated)`` transitions in numpy rings.

RLlib's ``EpisodeReplayBuffer`` hands each sampled transition back as a one-step
episode that the learner connector then turns into a batch row again: about 1 ms per
row on a 2-core machine, so a 128-row TD3 update per env step spent most of its time
there (benchmarks/algorithms.py). Stored flat, a batch is one fancy-index per column
and the K batches of one training step are one call. Sampling is uniform, as in TD3's
paper; one ring per RLModule, so several fighters each learn from their own seats.
Truncated episodes (time limits) are not terminal: their last transition bootstraps.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ray.rllib.core.columns import Columns
from ray.rllib.env.multi_agent_episode import MultiAgentEpisode
from ray.rllib.env.single_agent_episode import SingleAgentEpisode
from ray.rllib.policy.sample_batch import DEFAULT_POLICY_ID, MultiAgentBatch, SampleBatch
from ray.rllib.utils.typing import ModuleID

COLUMNS = (Columns.OBS, Columns.ACTIONS, Columns.REWARDS, Columns.NEXT_OBS, Columns.TERMINATEDS)


def transitions(episode: SingleAgentEpisode) -> dict[str, np.ndarray] | None:
    """One episode chunk's transitions as columns, or None when it has no complete step."""
    steps = len(episode)
    if steps == 0:
        return None
    observations = np.asarray(episode.get_observations())
    terminated = np.zeros(steps, dtype=bool)
    terminated[-1] = episode.is_terminated
    return {
        Columns.OBS: observations[:steps],
        Columns.ACTIONS: np.asarray(episode.get_actions(), dtype=np.float32),
        Columns.REWARDS: np.asarray(episode.get_rewards(), dtype=np.float32),
        Columns.NEXT_OBS: observations[1 : steps + 1],
        Columns.TERMINATEDS: terminated,
    }


class TransitionRing:
    """A fixed-capacity ring of one module's transitions (oldest overwritten first)."""

    def __init__(self, capacity: int) -> None:
        """An empty ring; the arrays are allocated on the first add (shapes from the data)."""
        self.capacity = capacity
        self.columns: dict[str, np.ndarray] = {}
        self.size = 0
        self.cursor = 0

    def __len__(self) -> int:
        """How many transitions the ring holds."""
        return self.size

    def add(self, rows: dict[str, np.ndarray]) -> None:
        """Append ``rows`` (equal-length columns), overwriting the oldest when full."""
        count = len(rows[Columns.REWARDS])
        if not self.columns:
            self.columns = {
                name: np.zeros((self.capacity, *np.shape(values)[1:]), np.asarray(values).dtype)
                for name, values in rows.items()
            }
        where = (self.cursor + np.arange(count)) % self.capacity
        for name, values in rows.items():
            self.columns[name][where] = values
        self.cursor = int((self.cursor + count) % self.capacity)
        self.size = min(self.size + count, self.capacity)

    def sample(self, count: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """``count`` transitions drawn uniformly with replacement."""
        rows = rng.integers(0, self.size, size=count)
        return {name: values[rows] for name, values in self.columns.items()}

    def get_state(self) -> dict[str, Any]:
        """The stored transitions (for ``store_buffer_in_checkpoints``)."""
        kept = {name: values[: self.size] for name, values in self.columns.items()}
        return {"columns": kept, "cursor": self.cursor}

    def set_state(self, state: dict[str, Any]) -> None:
        """Refill from :meth:`get_state`'s output."""
        self.columns, self.size, self.cursor = {}, 0, 0
        if state["columns"]:
            self.add(state["columns"])
            self.cursor = state["cursor"]


class TransitionReplayBuffer:
    """Per-module :class:`TransitionRing` s fed with env-runner episodes (single or multi-agent)."""

    def __init__(self, capacity: int, seed: int | None = None) -> None:
        """Rings of ``capacity`` transitions each, sampled with a ``seed``-ed generator."""
        self.capacity = capacity
        self.rings: dict[ModuleID, TransitionRing] = {}
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        """Transitions held over all modules."""
        return sum(len(ring) for ring in self.rings.values())

    def add(self, episodes: list[SingleAgentEpisode | MultiAgentEpisode]) -> None:
        """Store every complete transition of ``episodes`` under its agent's module."""
        for episode in episodes:
            if isinstance(episode, MultiAgentEpisode):
                parts = [(e.module_id, e) for e in episode.agent_episodes.values()]
            else:
                parts = [(episode.module_id or DEFAULT_POLICY_ID, episode)]
            for module_id, part in parts:
                rows = transitions(part)
                if rows is not None:
                    self.rings.setdefault(module_id, TransitionRing(self.capacity)).add(rows)

    def sample(self, batch_size: int, num_batches: int = 1) -> MultiAgentBatch | None:
        """``num_batches`` x ``batch_size`` uniform transitions per module.

        Only modules holding at least one batch take part (none right after a restore
        without a stored buffer): None when no module does.
        """
        count = batch_size * num_batches
        batches = {
            module_id: SampleBatch(ring.sample(count, self.rng))
            for module_id, ring in self.rings.items()
            if len(ring) >= batch_size
        }
        return MultiAgentBatch(batches, env_steps=count) if batches else None

    def get_state(self) -> dict[str, Any]:
        """Every module's ring (RLlib stores it when ``store_buffer_in_checkpoints``)."""
        return {module_id: ring.get_state() for module_id, ring in self.rings.items()}

    def set_state(self, state: dict[str, Any]) -> None:
        """Restore the rings :meth:`get_state` returned."""
        self.rings = {}
        for module_id, ring_state in state.items():
            self.rings[module_id] = TransitionRing(self.capacity)
            self.rings[module_id].set_state(ring_state)
