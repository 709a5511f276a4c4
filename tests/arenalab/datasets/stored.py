"""Write episodes into a frame dataset the way compaction does, for tests of the RLlib view."""

from __future__ import annotations

import time
from typing import Any

import pyarrow as pa
from arenalab.datasets.files import write_parquet
from arenalab.datasets.schema import FRAME_SCHEMA, FRAME_SCHEMA_VERSION, dataset_root
from arenalab.registry import Registry
from arenalab.storage import Storage


def frame(frame_number: int, obs: list[float], reward: float = 1.0) -> dict[str, Any]:
    """A minimal seed-000 frame (no episode or fighter yet) with a given observation."""
    return {
        "frame_number": frame_number,
        "fighter_position": [0.0, 0.0],
        "fighter_health": 100.0,
        "fighter_velocity": [0.0, 0.0],
        "enemies_state": [],
        "action_vector": [0.5, -0.5, 1.0, -1.0],
        "reward_delta": reward,
        "cumulative_reward": 0.0,
        "observation_vector": obs,
    }


def frame_table(
    episodes: list[list[dict[str, Any]]], episode_ids: list[int], fighter_id: int, obs_spec: str
) -> pa.Table:
    """Rows of the frame schema, as compaction writes them."""
    rows = []
    for episode_id, frames in zip(episode_ids, episodes, strict=True):
        for item in frames:
            rows.append(
                {
                    **item,
                    "episode_id": episode_id,
                    "game": "arena",
                    "fighter_id": fighter_id,
                    "obs_spec": obs_spec,
                    "received_at": int(time.time() * 1e6),
                    "schema_version": FRAME_SCHEMA_VERSION,
                }
            )
    return pa.Table.from_pylist(rows, schema=FRAME_SCHEMA)


def store_episodes(
    storage: Storage,
    registry: Registry,
    episodes: list[list[dict[str, Any]]],
    *,
    metadata: dict[str, Any] | None = None,
    obs_spec: str = "arena-obs-v1",
    day: str = "2026-11-25",
    close: bool = True,
) -> tuple[int, list[int]]:
    """Register a fighter and its episodes, write their frames; returns (fighter, episode ids)."""
    fighter = registry.create_fighter("test.glb", metadata or {"obs_spec": obs_spec})
    ids = [registry.create_episode(fighter.id).id for _ in episodes]
    table = frame_table(episodes, ids, fighter.id, obs_spec)
    write_parquet(storage.filesystem, f"{dataset_root(storage)}/date={day}", table)
    if close:
        for episode_id in ids:
            registry.close_episode(episode_id)
    return fighter.id, ids
