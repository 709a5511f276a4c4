"""The RLlib view's rules on one episode: transitions, terminal step, gaps, returns, versions."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from arenalab.datasets.episodes import (
    RLLIB_COLUMNS,
    VIEW_SCHEMA,
    InconsistentEpisodeError,
    episode_transitions,
    monte_carlo_targets,
    readable_episode_transitions,
)
from arenalab.datasets.schema import ForwardCompatibilityError

from tests.arenalab.datasets.stored import frame, frame_table


def _episode(numbers: list[int], rewards: list[float] | None = None) -> pa.Table:
    rewards = rewards or [1.0] * len(numbers)
    frames = [frame(n, [float(n), 0.0, 1.0], r) for n, r in zip(numbers, rewards, strict=True)]
    return frame_table([frames], [7], fighter_id=3, obs_spec="custom")


def test_consecutive_frames_become_transitions_ending_terminated() -> None:
    """Frame i pairs with frame i + 1; the closed episode's last frame is the terminal step."""
    view = episode_transitions(_episode([0, 1, 2, 3]), gamma=1.0)
    assert view.schema.equals(VIEW_SCHEMA) and set(RLLIB_COLUMNS) <= set(view.column_names)
    rows = view.to_pylist()
    assert [r["t"] for r in rows] == [0, 1, 2, 3]
    assert [r["obs"][0] for r in rows] == [0.0, 1.0, 2.0, 3.0]
    assert [r["new_obs"][0] for r in rows] == [1.0, 2.0, 3.0, 3.0]
    assert [r["terminateds"] for r in rows] == [False, False, False, True]
    assert not any(r["truncateds"] for r in rows)
    assert rows[0]["actions"] == [0.5, -0.5, 1.0, -1.0]
    assert [r["returns_to_go"] for r in rows] == [4.0, 3.0, 2.0, 1.0]
    assert {r["eps_id"] for r in rows} == {"7-0"} and rows[0]["agent_id"] == "3"
    assert rows[0]["source"] == "game" and rows[0]["episode_return"] == 4.0


def test_a_gap_splits_the_episode_and_truncates_the_first_segment() -> None:
    """Frames 0-2 then 5-6: frame 2 has no successor, so 0-1 end truncated and 5-6 follow."""
    view = episode_transitions(_episode([5, 0, 1, 2, 6], [1.0, 1.0, 2.0, 4.0, 8.0]), gamma=1.0)
    rows = view.to_pylist()
    assert [(r["eps_id"], r["t"]) for r in rows] == [("7-0", 0), ("7-0", 1), ("7-1", 5), ("7-1", 6)]
    assert [r["truncateds"] for r in rows] == [False, True, False, False]
    assert [r["terminateds"] for r in rows] == [False, False, False, True]
    assert rows[1]["new_obs"][0] == 2.0  # the dropped frame still provides the next observation
    assert [r["returns_to_go"] for r in rows] == [3.0, 2.0, 9.0, 8.0]
    assert rows[0]["episode_return"] == 16.0  # the episode's return counts every frame


def test_discounting_and_monte_carlo_targets_for_marwil() -> None:
    """MARWIL rows carry the discounted return as reward and are each terminal."""
    view = episode_transitions(_episode([0, 1, 2]), gamma=0.5)
    assert np.allclose(view["returns_to_go"].to_numpy(), [1.75, 1.5, 1.0])
    targets = monte_carlo_targets(view)
    assert np.allclose(targets["rewards"].to_numpy(), [1.75, 1.5, 1.0])
    assert all(targets["terminateds"].to_pylist()) and not any(targets["truncateds"].to_pylist())


def test_newer_frame_schema_is_refused() -> None:
    """Frames of a newer schema raise ForwardCompatibilityError instead of being misread."""
    table = _episode([0, 1])
    table = table.set_column(
        table.schema.get_field_index("schema_version"),
        "schema_version",
        pa.array([2, 2], pa.int16()),
    )
    with pytest.raises(ForwardCompatibilityError, match="schema_version 2"):
        episode_transitions(table)
    assert episode_transitions(table, max_schema_version=2).num_rows == 2


def test_an_episode_of_mixed_observation_lengths_is_skipped_and_reported(caplog) -> None:
    """Ten frames of 49 floats and one of 2: no rows and a warning naming the episode."""
    frames = [frame(n, [0.5] * 49) for n in range(10)] + [frame(10, [0.5, 0.5])]
    table = frame_table([frames], [7], fighter_id=3, obs_spec="custom")
    with pytest.raises(InconsistentEpisodeError, match="episode 7"):
        episode_transitions(table)
    with caplog.at_level("WARNING"):
        assert readable_episode_transitions(table, gamma=0.9).num_rows == 0
    assert "observation_vector of episode 7 lengths differ" in caplog.text
