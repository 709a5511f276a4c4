"""float32 values come back in their shortest form: ``0.05``, not ``0.05000000074505806``."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from arenalab.floats import shortest_table
from arenalab.serving.inference.client import to_json_action
from arenalab.serving.lab.env_host import to_json

from .conftest import SEED_FIGHTER, seed_episode, seed_frame


def test_frames_read_back_as_the_game_sent_them(make_client) -> None:
    """A frame's float32 fields (nested ones too) read back as the decimals that were posted."""
    client = make_client()
    fighter = client.post("/api/fighters", json=SEED_FIGHTER).json()["id"]
    episode = client.post("/api/episodes", json=seed_episode(fighter)).json()["id"]
    frame = {
        **seed_frame(episode, 0),
        "fighter_health": 0.05,
        "reward_delta": 0.1,
        "enemies_state": [{"id": 2, "pos": [0.3, 1.1], "health": 99.9}],
    }
    assert client.post("/api/fight-frames", json=frame).status_code == 200
    response = client.get(f"/api/episodes/{episode}/frames")
    assert "0.05000000074505806" not in response.text and "99.9000015" not in response.text
    (stored,) = response.json()["frames"]
    assert stored["fighter_health"] == 0.05 and stored["reward_delta"] == 0.1
    assert stored["observation_vector"][:3] == [0.0, 0.05, 1.0]
    assert stored["enemies_state"][0]["pos"] == [0.3, 1.1]
    assert stored["enemies_state"][0]["health"] == 99.9


def test_actions_and_observations_in_shortest_form() -> None:
    """Act answers and live-environment observations print float32 as its shortest decimal."""
    action = np.array([0.05, -1 / 3], dtype=np.float32)
    assert to_json_action(action) == [0.05, -0.33333334]
    assert to_json_action(np.array(3)) == 3
    assert to_json({"obs": np.array([0.1], np.float32), "r": np.float32(0.7)}) == {
        "obs": [0.1],
        "r": 0.7,
    }
    assert to_json(np.array([0.1])) == [0.1]  # float64 stays as it is


def test_shortest_table_reads_back_to_the_same_float32() -> None:
    """Every shortened value is the same float32 it came from (nothing is rounded away)."""
    values = np.random.default_rng(0).normal(size=1000).astype(np.float32)
    table = pa.table(
        {"x": pa.array(values), "v": pa.array([values[:3].tolist()] * 1000, pa.list_(pa.float32()))}
    )
    shortened = shortest_table(table)
    assert np.array_equal(np.asarray(shortened["x"], dtype=np.float32), values)
    assert shortened["v"].to_pylist()[0] == [float(str(v)) for v in values[:3]]
