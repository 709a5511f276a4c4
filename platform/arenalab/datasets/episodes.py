"""The RLlib view: episodes as the transition rows RLlib 2.60's offline API reads.

One row is one transition of one fighter's single-agent episode (opponents are present
only through its observation). Columns follow ``ray.rllib.core.columns.Columns``
(``obs, actions, rewards, new_obs, terminateds, truncateds, eps_id, t``) plus what
selection, MARWIL and provenance need (:data:`VIEW_SCHEMA`).

Rules for game frames (``docs/offline.md`` explains them with examples):

* Only **closed** episodes are read; frames of open episodes are left out, because an
  open episode may still receive frames and its end is unknown.
* Frame ``i`` gives ``obs = observation_vector[i]``, ``actions = action_vector[i]``,
  ``rewards = reward_delta[i]`` (the reward that followed the action) and
  ``new_obs = observation_vector[i + 1]``.
* The last frame of a closed episode is **terminated** (the battle ended); its
  ``new_obs`` repeats its own observation, which RLlib never bootstraps from.
* A **gap** in ``frame_number`` splits the episode into segments (``eps_id``
  ``"{episode_id}-{segment}"``). The frame just before a gap has no next observation,
  so it yields no transition; the transition before it ends its segment **truncated**.
* ``returns_to_go`` is the discounted return from each row to its segment's end, and
  ``episode_return`` the undiscounted sum of the whole episode's rewards.
"""

from __future__ import annotations

import logging

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.signal

from arenalab.datasets.schema import FRAME_SCHEMA_VERSION, ForwardCompatibilityError
from arenalab.datasets.selection import Source

logger = logging.getLogger(__name__)
VIEW_VERSION = 1  # bump with a line in docs/offline.md when a view column changes
DEFAULT_GAMMA = 0.99
_VEC = pa.list_(pa.float32())
VIEW_SCHEMA = pa.schema(
    [
        pa.field("eps_id", pa.string(), nullable=False),
        pa.field("t", pa.int64(), nullable=False),
        pa.field("obs", _VEC, nullable=False),
        pa.field("actions", _VEC, nullable=False),
        pa.field("rewards", pa.float32(), nullable=False),
        pa.field("new_obs", _VEC, nullable=False),
        pa.field("terminateds", pa.bool_(), nullable=False),
        pa.field("truncateds", pa.bool_(), nullable=False),
        pa.field("returns_to_go", pa.float32(), nullable=False),
        pa.field("episode_return", pa.float32(), nullable=False),
        pa.field("agent_id", pa.string(), nullable=False),
        pa.field("fighter_id", pa.int64()),
        pa.field("episode_id", pa.int64()),
        pa.field("game", pa.string(), nullable=False),
        pa.field("obs_spec", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
    ],
    metadata={b"arenalab.view_version": str(VIEW_VERSION).encode()},
)
# What RLlib's OfflinePreLearner reads (Columns names); the rest is for selection and people.
RLLIB_COLUMNS = ["eps_id", "t", "obs", "actions", "rewards", "new_obs", "terminateds", "truncateds"]
# Frame columns the view needs; later schema versions may add others, which it ignores.
FRAME_COLUMNS = [
    "game",
    "fighter_id",
    "episode_id",
    "frame_number",
    "observation_vector",
    "action_vector",
    "reward_delta",
    "obs_spec",
    "schema_version",
]


class InconsistentEpisodeError(ValueError):
    """An episode's vectors differ in length, so it cannot become transitions."""


def vectors(column: pa.ChunkedArray | pa.Array, what: str) -> np.ndarray:
    """A list column of equal-length float vectors as a ``(rows, length)`` float32 array."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    lengths = pc.list_value_length(array)
    low, high = pc.min_max(lengths).values()
    if low.as_py() != high.as_py():
        raise InconsistentEpisodeError(f"{what} lengths differ within one episode: {low} to {high}")
    return array.flatten().to_numpy(zero_copy_only=False).astype(np.float32).reshape(len(array), -1)


def _vector_column(values: np.ndarray) -> pa.Array:
    flat = pa.array(np.ascontiguousarray(values, np.float32).ravel(), pa.float32())
    return pa.FixedSizeListArray.from_arrays(flat, values.shape[1]).cast(_VEC)


def discounted_returns(rewards: np.ndarray, segment_ends: np.ndarray, gamma: float) -> np.ndarray:
    """Discounted reward-to-go of each row, restarting after every row where ``segment_ends``."""
    out = np.empty(len(rewards), np.float32)
    start = 0
    for end in np.flatnonzero(segment_ends):
        chunk = rewards[start : end + 1][::-1]
        out[start : end + 1] = scipy.signal.lfilter([1.0], [1.0, -gamma], chunk)[::-1]
        start = end + 1
    return out


def transitions_table(
    *,
    eps_ids: list[str],
    t: np.ndarray,
    obs: np.ndarray,
    actions: np.ndarray,
    rewards: np.ndarray,
    new_obs: np.ndarray,
    terminateds: np.ndarray,
    truncateds: np.ndarray,
    episode_return: float,
    gamma: float,
    fighter_id: int | None,
    episode_id: int | None,
    game: str,
    obs_spec: str,
    source: Source,
) -> pa.Table:
    """One episode's transitions as a VIEW_SCHEMA table (shared by game frames and sim)."""
    n = len(rewards)
    rewards = np.asarray(rewards, np.float32)
    ends = np.asarray(terminateds, bool) | np.asarray(truncateds, bool)
    if n:
        ends[-1] = True
    columns = {
        "eps_id": pa.array(eps_ids, pa.string()),
        "t": pa.array(t, pa.int64()),
        "obs": _vector_column(obs),
        "actions": _vector_column(actions),
        "rewards": pa.array(rewards, pa.float32()),
        "new_obs": _vector_column(new_obs),
        "terminateds": pa.array(terminateds, pa.bool_()),
        "truncateds": pa.array(truncateds, pa.bool_()),
        "returns_to_go": pa.array(discounted_returns(rewards, ends, gamma), pa.float32()),
        "episode_return": pa.array(np.full(n, episode_return, np.float32)),
        "agent_id": pa.array([str(fighter_id)] * n, pa.string()),
        "fighter_id": pa.array([fighter_id] * n, pa.int64()),
        "episode_id": pa.array([episode_id] * n, pa.int64()),
        "game": pa.array([game] * n, pa.string()),
        "obs_spec": pa.array([obs_spec] * n, pa.string()),
        "source": pa.array([source.value] * n, pa.string()),
    }
    return pa.table(columns, schema=VIEW_SCHEMA)


def episode_transitions(
    frames: pa.Table,
    *,
    gamma: float = DEFAULT_GAMMA,
    max_schema_version: int = FRAME_SCHEMA_VERSION,
) -> pa.Table:
    """Turn one closed episode's frames into view rows, applying the gap rule above."""
    if frames.num_rows == 0:
        return VIEW_SCHEMA.empty_table()
    newest = pc.max(frames["schema_version"]).as_py()
    if newest > max_schema_version:
        raise ForwardCompatibilityError(
            f"frame schema_version {newest} is newer than {max_schema_version}: "
            "upgrade arenalab to read this dataset"
        )
    frames = frames.sort_by("frame_number")
    episode_id = frames["episode_id"][0].as_py()
    numbers = frames["frame_number"].to_numpy()
    obs = vectors(frames["observation_vector"], f"observation_vector of episode {episode_id}")
    actions = vectors(frames["action_vector"], f"action_vector of episode {episode_id}")
    rewards = frames["reward_delta"].to_numpy().astype(np.float32)
    # has_next[i]: frame i's successor is present (the closed episode's last frame counts).
    consecutive = numbers[1:] == numbers[:-1] + 1
    has_next = np.append(consecutive, True)
    segment = np.concatenate([[0], np.cumsum(~consecutive)])
    new_obs = np.concatenate([obs[1:], obs[-1:]])
    truncated = np.append(~has_next[1:], False)
    terminated = np.zeros(len(numbers), bool)
    terminated[-1] = True
    keep = np.flatnonzero(has_next)
    return transitions_table(
        eps_ids=[f"{episode_id}-{s}" for s in segment[keep]],
        t=numbers[keep],
        obs=obs[keep],
        actions=actions[keep],
        rewards=rewards[keep],
        new_obs=new_obs[keep],
        terminateds=terminated[keep],
        truncateds=truncated[keep] & ~terminated[keep],
        episode_return=float(rewards.sum()),
        gamma=gamma,
        fighter_id=frames["fighter_id"][0].as_py(),
        episode_id=episode_id,
        game=frames["game"][0].as_py(),
        obs_spec=frames["obs_spec"][0].as_py(),
        source=Source.GAME,
    )


def readable_episode_transitions(frames: pa.Table, **options: object) -> pa.Table:
    """:func:`episode_transitions`, or no rows and a warning naming a bad episode.

    One episode whose observation lengths differ (stored before ingestion fixed the
    length atomically) must not fail the selection, and so offline training, of its
    whole fighter: it is skipped and reported in the log instead.
    """
    try:
        return episode_transitions(frames, **options)
    except InconsistentEpisodeError as exc:
        logger.warning("skipped from the offline view: %s", exc)
        return VIEW_SCHEMA.empty_table()


def monte_carlo_targets(view: pa.Table) -> pa.Table:
    """MARWIL's input: each row's reward is its return-to-go, and each row is terminal.

    RLlib 2.60 turns every row into a one-step episode, so MARWIL's GAE would bootstrap
    ``r + gamma * V(s')``. With the return-to-go as reward and a terminal step, the same
    GAE yields the Monte-Carlo advantage ``G_t - V(s_t)`` of the MARWIL paper.
    """
    n = view.num_rows
    view = view.set_column(view.schema.get_field_index("rewards"), "rewards", view["returns_to_go"])
    view = view.set_column(
        view.schema.get_field_index("terminateds"), "terminateds", pa.array(np.ones(n, bool))
    )
    return view.set_column(
        view.schema.get_field_index("truncateds"), "truncateds", pa.array(np.zeros(n, bool))
    )
