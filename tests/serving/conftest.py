"""The seed's exact JSON (seed 000's JavaScript client) and an in-process app factory."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from arenalab.datasets import FightFrame
from arenalab.serving.app import create_app
from arenalab.settings import load_settings
from fastapi.testclient import TestClient

SEED_FIGHTER = {"glb_filename": "bacon-cyborg.glb", "metadata_json": {"size": 1.0, "speed": 1.0}}
SEED_COMPLETE = {"total_reward": 150.5, "duration_frames": 3000, "is_victory": True, "rank": 1}


def seed_episode(fighter_id: int) -> dict:
    """Body of the seed's ``startEpisode``."""
    return {
        "fighter_id": fighter_id,
        "episode_number": 1,
        "opponent_ids": [2, 3, 4],
        "total_reward": 0.0,
        "duration_frames": 0,
        "is_victory": False,
    }


def seed_frame(episode_id: int, frame_number: int, obs_len: int = 64) -> dict:
    """Body of the seed's ``recordFrame`` (the frame model's documented example)."""
    return {
        **copy.deepcopy(FightFrame.model_config["json_schema_extra"]["example"]),
        "episode_id": episode_id,
        "frame_number": frame_number,
        "cumulative_reward": float(frame_number),
        "observation_vector": [0.0, 0.05, 1.0] + [0.5] * (obs_len - 3),
    }


@pytest.fixture
def make_client(data_dir: Path) -> Iterator[Callable[..., TestClient]]:
    """Start the whole app in-process (lifespan included) with settings overrides."""
    clients: list[TestClient] = []

    def make(**overrides: object) -> TestClient:
        client = TestClient(create_app(load_settings(data_dir=data_dir, **overrides)))
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
