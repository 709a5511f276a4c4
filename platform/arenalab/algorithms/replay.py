"""Replay for arenalab's DQN, SAC and TD3: flat ``(s, a, r, s', terminated)`` transitions.

RLlib's ``EpisodeReplayBuffer`` hands each sampled transition back as a one-step
episode that the learner connector then turns into a batch row again: about 1 ms per
row on a 2-core machine, so a 128-row TD3 update per env step spent most of its time
there (benchmarks/algorithms.py), and DQN on Pac-Man a quarter of its time (with a
deep copy of every stored episode chunk). Stored flat in numpy rings, a batch is one
fancy-index per column and the K batches of one training step are one call. Sampling
is uniform; one ring per RLModule, so several fighters each learn from their own seats.
Truncated episodes (time limits) are not terminal: their last transition bootstraps.

:class:`FlatReplayLoop` is the training step they run on it, :class:`FlatReplayConfig` its
config half.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ray.rllib.algorithms.dqn.dqn import calculate_rr_weights
from ray.rllib.core.columns import Columns
from ray.rllib.env.multi_agent_episode import MultiAgentEpisode
from ray.rllib.env.single_agent_episode import SingleAgentEpisode
from ray.rllib.execution.rollout_ops import synchronous_parallel_sample
from ray.rllib.policy.sample_batch import DEFAULT_POLICY_ID, MultiAgentBatch, SampleBatch
from ray.rllib.utils.metrics import (
    ALL_MODULES,
    ENV_RUNNER_RESULTS,
    ENV_RUNNER_SAMPLING_TIMER,
    LEARNER_RESULTS,
    LEARNER_UPDATE_TIMER,
    NUM_AGENT_STEPS_SAMPLED_LIFETIME,
    NUM_ENV_STEPS_SAMPLED_LIFETIME,
    REPLAY_BUFFER_ADD_DATA_TIMER,
    REPLAY_BUFFER_SAMPLE_TIMER,
    SYNCH_WORKER_WEIGHTS_TIMER,
    TIMERS,
)
from ray.rllib.utils.typing import ModuleID

COLUMNS = (Columns.OBS, Columns.ACTIONS, Columns.REWARDS, Columns.NEXT_OBS, Columns.TERMINATEDS)


def _actions(actions: Any) -> np.ndarray:
    """Box actions as float32, Discrete ones as int64 (the index a Q head gathers by)."""
    values = np.asarray(actions)
    return values.astype(np.float32 if values.dtype.kind == "f" else np.int64)


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
        Columns.ACTIONS: _actions(episode.get_actions()),
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


ROLLOUT_FRAGMENT = 32
"""Env steps per sample call: each call costs a weight sync and a learner round trip,
so per-step fragments (RLlib's ``auto`` for DQN and SAC) spend more time there than in
the update."""
UNIFORM_BUFFERS = ("EpisodeReplayBuffer", "MultiAgentEpisodeReplayBuffer")
"""The ``replay_buffer_config`` types a flat loop stands in for (only the capacity is used)."""


class FlatReplayLoop:
    """The off-policy training step on a :class:`TransitionReplayBuffer`, for an RLlib Algorithm.

    Mixed in before DQN or SAC: sample and store fragments, then take the K updates
    ``training_intensity`` asks (the ratio of DQN's ``calculate_rr_weights``) as ONE
    learner call of K minibatches, not K calls.
    """

    def _create_local_replay_buffer_if_necessary(self, config: Any) -> TransitionReplayBuffer:
        """A :class:`TransitionReplayBuffer` of ``replay_buffer_config["capacity"]`` per module."""
        return TransitionReplayBuffer(config.replay_buffer_config["capacity"], seed=config.seed)

    def replayed(self, batch: MultiAgentBatch) -> MultiAgentBatch:
        """Add what RLlib's Q losses (DQN, SAC) read: 1-step returns, equal weights."""
        for rows in batch.policy_batches.values():
            count = len(rows)
            rows["n_step"] = np.ones(count, np.float32)
            rows["weights"] = np.ones(count, np.float32)
        return batch

    def training_step(self) -> None:
        """Sample and store fragments, then the step's K updates in one learner call."""
        store_rounds, updates = calculate_rr_weights(self.config)
        for _ in range(store_rounds):
            with self.metrics.log_time((TIMERS, ENV_RUNNER_SAMPLING_TIMER)):
                episodes, env_runner_results = synchronous_parallel_sample(
                    worker_set=self.env_runner_group,
                    concat=True,
                    sample_timeout_s=self.config.sample_timeout_s,
                    _uses_new_env_runners=True,
                    _return_metrics=True,
                )
            self.metrics.aggregate(env_runner_results, key=ENV_RUNNER_RESULTS)
            with self.metrics.log_time((TIMERS, REPLAY_BUFFER_ADD_DATA_TIMER)):
                self.local_replay_buffer.add(episodes)
        timesteps = {
            key: self.metrics.peek((ENV_RUNNER_RESULTS, key), default=default)
            for key, default in (
                (NUM_ENV_STEPS_SAMPLED_LIFETIME, 0),
                (NUM_AGENT_STEPS_SAMPLED_LIFETIME, {}),
            )
        }
        sampled = timesteps[NUM_ENV_STEPS_SAMPLED_LIFETIME]
        if self.config.count_steps_by == "agent_steps":
            sampled = sum(timesteps[NUM_AGENT_STEPS_SAMPLED_LIFETIME].values())
        if sampled < self.config.num_steps_sampled_before_learning_starts:
            return
        with self.metrics.log_time((TIMERS, REPLAY_BUFFER_SAMPLE_TIMER)):
            batch = self.local_replay_buffer.sample(self.config.total_train_batch_size, updates)
        if batch is None:
            return
        with self.metrics.log_time((TIMERS, LEARNER_UPDATE_TIMER)):
            learner_results = self.learner_group.update(
                batch=self.replayed(batch),
                minibatch_size=self.config.train_batch_size_per_learner,
                num_epochs=1,
                timesteps=timesteps,
            )
        self.metrics.aggregate(learner_results, key=LEARNER_RESULTS)
        with self.metrics.log_time((TIMERS, SYNCH_WORKER_WEIGHTS_TIMER)):
            self.env_runner_group.sync_weights(
                from_worker_or_learner_group=self.learner_group,
                policies=set(learner_results[0]) - {ALL_MODULES},
                inference_only=True,
            )


class FlatReplayConfig:
    """The config half of :class:`FlatReplayLoop`, mixed in before DQN's or SAC's config.

    RLlib's default buffer becomes a plain one of the same capacity, env runners sample
    ``ROLLOUT_FRAGMENT`` steps per call, and validation refuses what the flat loop
    cannot do: prioritized replay, n-step returns.
    """

    def __init__(self, algo_class: type | None = None) -> None:
        """The algorithm's RLlib defaults, then the flat loop's buffer and fragment."""
        super().__init__(algo_class=algo_class)
        capacity = self.replay_buffer_config["capacity"]
        self.replay_buffer_config = {"type": UNIFORM_BUFFERS[0], "capacity": capacity}
        self.rollout_fragment_length = ROLLOUT_FRAGMENT

    def validate(self) -> None:
        """RLlib's checks plus the flat loop's: uniform replay, 1-step returns."""
        super().validate()
        algorithm = self.algo_class.__name__
        kind = self.replay_buffer_config.get("type")
        if kind not in UNIFORM_BUFFERS:
            self._value_error(
                f"{algorithm} replays uniformly from flat transitions: replay_buffer_config "
                f"type must be one of {UNIFORM_BUFFERS} (only its capacity is used), got {kind!r}"
            )
        if self.n_step != 1:
            self._value_error(
                f"{algorithm} learns from 1-step returns: n_step must be 1, got {self.n_step}"
            )
