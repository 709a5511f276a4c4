"""Helpers for dataset tests: seed-shaped frames."""

from __future__ import annotations

from arenalab.datasets import FightFrame


def seed_frame(episode_id: int, frame_number: int, obs_len: int = 8) -> FightFrame:
    """A frame exactly as seed 000's ``recordFrame`` posts it."""
    return FightFrame.model_validate(
        {
            "episode_id": episode_id,
            "frame_number": frame_number,
            "fighter_position": [0.0, 5.0],
            "fighter_health": 100.0,
            "fighter_velocity": [1.0, 0.5],
            "enemies_state": [{"id": 2, "pos": [10.0, 0.0], "health": 90}],
            "action_vector": [1.0, 0.0, 0.0, 0],
            "reward_delta": 1.0,
            "cumulative_reward": float(frame_number),
            "observation_vector": [0.05 * i for i in range(obs_len)],
        }
    )
