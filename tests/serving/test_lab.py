"""The lab API (seed 004, /api/v1 and WS /ws) on the real app with the session's Ray head."""

from __future__ import annotations

import io
from collections.abc import Callable

import matplotlib.image as mpimg
import pytest
from fastapi.testclient import TestClient

SEED_EXPERIMENT = {  # seed 004's curl example, verbatim values
    "name": "Ma première expérience",
    "description": "Test des paramètres par défaut",
    "tags": ["test", "débutant"],
    "preset": "débutant",
    "parameters": {
        "training": {"learning_rate": 0.001, "gamma": 0.99, "episodes": 1000,
                     "batch_size": 64, "buffer_size": 10000},
        "game": {"grid_size": 10, "num_ghosts": 2, "power_pellets": 2, "lives": 3,
                 "pellet_density": 0.7},
        "intelligence": {"exploration_rate": 0.1, "target_update": 100,
                         "learning_starts": 1000, "train_freq": 4},
        "visualization": {"fps": 10, "render_scale": 50, "show_grid": 1, "show_stats": 1,
                          "highlight_path": 0},
    },
}  # fmt: skip


@pytest.fixture
def lab(ray_head, make_client: Callable[..., TestClient]) -> TestClient:
    """The whole app in-process; environments live in the session cluster's EnvHost."""
    return make_client()


def test_seed_experiment_round_trip(lab: TestClient) -> None:
    """The seed's curl body is accepted; explicit values beat the preset; CRUD works."""
    created = lab.post("/api/v1/experiments/", json=SEED_EXPERIMENT)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["preset"] == "débutant" and body["algorithm"] == "PPO"
    assert body["parameters"]["game"]["grid_size"] == 10  # explicit beats the preset's 7
    assert body["parameters"]["visualization"]["show_grid"] is True  # 0/1 flags are booleans
    assert any("target_update" in warning for warning in body["warnings"])  # not for PPO
    experiment_id = body["id"]
    assert lab.get(f"/api/v1/experiments/{experiment_id}").json()["name"] == SEED_EXPERIMENT["name"]
    changed = {**SEED_EXPERIMENT, "algorithm": "DQN"}
    assert (
        lab.put(f"/api/v1/experiments/{experiment_id}", json=changed).json()["algorithm"] == "DQN"
    )
    assert [e["id"] for e in lab.get("/api/v1/experiments/").json()] == [experiment_id]
    assert lab.delete(f"/api/v1/experiments/{experiment_id}").status_code == 204
    assert lab.get(f"/api/v1/experiments/{experiment_id}").status_code == 404


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"game": {"pellet_density": 1.5}}, "game.pellet_density"),
        ({"training": {"learning_rate": -1}}, "training.learning_rate"),
        ({"intelligence": {"unknown": 1}}, "intelligence.unknown"),
    ],
)
def test_invalid_experiments_name_the_field(lab: TestClient, parameters: dict, field: str) -> None:
    """Out-of-range and unknown parameters are 422 naming the field, and nothing is stored."""
    answer = lab.post("/api/v1/experiments/", json={"name": "bad", "parameters": parameters})
    assert answer.status_code == 422 and field in answer.json()["detail"]
    assert lab.get("/api/v1/experiments/").json() == []


def test_presets_and_form_schema(lab: TestClient) -> None:
    """Presets and the 4-group schema with ranges and defaults are what a form needs."""
    assert "débutant" in lab.get("/api/v1/presets").json()
    schema = lab.get("/api/v1/parameters/schema").json()
    fields = {name: set(group["fields"]) for name, group in schema["groups"].items()}
    assert {"learning_rate", "gamma", "episodes", "batch_size", "buffer_size"} <= fields["training"]
    assert {"exploration_rate", "target_update", "learning_starts", "train_freq"} <= fields[
        "intelligence"
    ]
    density = schema["game"]["pacman"]["fields"]["pellet_density"]
    assert density["maximum"] == 1 and "default" in density


def test_environment_create_step_render_and_stream(lab: TestClient) -> None:
    """An environment is created, stepped and rendered, and its states reach WS subscribers."""
    catalogue = lab.get("/api/v1/environments").json()["catalogue"]
    assert {"arenalab/PacMan-v0", "arenalab/MultiAgentArena-v0"} <= {e["name"] for e in catalogue}
    created = lab.post(
        "/api/v1/environments",
        json={"name": "arenalab/PacMan-v0", "seed": 3,
              "parameters": {"grid_size": 8, "num_ghosts": 1, "render_scale": 10}},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    env_id = created.json()["id"]
    with lab.websocket_connect("/ws") as socket:
        socket.send_json({"type": "subscribe", "channel": "game_state"})
        assert socket.receive_json()["type"] == "subscribed"
        stepped = lab.post(f"/api/v1/environments/{env_id}/step", json={"action": 4})
        assert stepped.status_code == 200 and stepped.json()["steps"] == 1
        pushed = socket.receive_json()
        assert pushed["type"] == "game_state" and pushed["data"]["id"] == env_id
        assert pushed["data"]["steps"] == 1 and "ts" in pushed
    picture = lab.get(f"/api/v1/visualization/{env_id}/frame.png")
    assert picture.headers["content-type"] == "image/png"
    image = mpimg.imread(io.BytesIO(picture.content), format="png")
    assert image.shape[1] == 8 * 10  # width = grid cells x render_scale
    assert lab.get(f"/api/v1/visualization/{env_id}/state").json()["fps"] == 10


def test_environment_errors(lab: TestClient) -> None:
    """Bad names, parameters and actions are 422 naming the field; unknown ids are 404."""
    bad_name = lab.post("/api/v1/environments", json={"name": "nope"})
    assert bad_name.status_code == 422 and "name" in bad_name.json()["detail"]
    bad_param = lab.post("/api/v1/environments", json={"parameters": {"lives": -1}})
    assert bad_param.status_code == 422 and "parameters.lives" in bad_param.json()["detail"]
    env_id = lab.post("/api/v1/environments", json={}).json()["id"]
    bad_action = lab.post(f"/api/v1/environments/{env_id}/step", json={"action": 7})
    assert bad_action.status_code == 422 and "Discrete(5)" in bad_action.json()["detail"]
    assert lab.post("/api/v1/environments/999999/step", json={"action": 1}).status_code == 404


def test_live_socket_rejects_bad_messages_without_closing(lab: TestClient) -> None:
    """A malformed subscription gets an error message and the socket stays usable."""
    with lab.websocket_connect("/ws") as socket:
        socket.send_text("not json")
        assert socket.receive_json()["type"] == "error"
        socket.send_json({"type": "subscribe", "channel": "weather"})
        assert "channel" in socket.receive_json()["data"]["detail"]
        socket.send_json({"type": "subscribe", "channel": "session_updates"})
        assert socket.receive_json()["type"] == "subscribed"
