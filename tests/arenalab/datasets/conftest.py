"""Helpers for dataset tests: seed-shaped frames."""

from __future__ import annotations

import copy

from arenalab.datasets import FightFrame

SEED_EXAMPLE = FightFrame.model_config["json_schema_extra"]["example"]
"""The body seed 000's ``recordFrame`` posts, as the frame model documents it."""


def seed_frame(episode_id: int, frame_number: int, obs_len: int = 8) -> FightFrame:
    """A frame exactly as seed 000's ``recordFrame`` posts it, with these ids and lengths."""
    return FightFrame.model_validate(
        {
            **copy.deepcopy(SEED_EXAMPLE),
            "episode_id": episode_id,
            "frame_number": frame_number,
            "cumulative_reward": float(frame_number),
            "observation_vector": [0.05 * i for i in range(obs_len)],
        }
    )
