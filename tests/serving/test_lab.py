"""The lab API (seed 004, /api/v1 and WS /ws) on the real app with the session's Ray head."""

from __future__ import annotations

import io
from collections.abc import Callable

import matplotlib.image as mpimg
import pytest
from arenalab.registry import Registry
from arenalab.settings import load_settings
from fastapi.testclient import TestClient

from tests.seed_examples import SEED_EXPERIMENT


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
    assert body["warnings"] == []  # PPO ignores the seed's intelligence values, all defaults
    experiment_id = body["id"]
    assert lab.get(f"/api/v1/experiments/{experiment_id}").json()["name"] == SEED_EXPERIMENT["name"]
    changed = {**SEED_EXPERIMENT, "algorithm": "DQN"}
    assert (
        lab.put(f"/api/v1/experiments/{experiment_id}", json=changed).json()["algorithm"] == "DQN"
    )
    assert [e["id"] for e in lab.get("/api/v1/experiments/").json()] == [experiment_id]
    assert lab.delete(f"/api/v1/experiments/{experiment_id}").status_code == 204
    assert lab.get(f"/api/v1/experiments/{experiment_id}").status_code == 404
    tuned = {**SEED_EXPERIMENT["parameters"]["intelligence"], "train_freq": 8}
    tuned_body = {
        **SEED_EXPERIMENT,
        "parameters": {**SEED_EXPERIMENT["parameters"], "intelligence": tuned},
    }
    warned = lab.post("/api/v1/experiments/", json=tuned_body).json()["warnings"]
    assert warned == ["intelligence.train_freq=8 does not apply to PPO; ignored"]


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
    assert answer.status_code == 422
    locs = [error["loc"] for error in answer.json()["detail"]]  # the API's one 422 shape
    assert ["body", "parameters", *field.split(".")] in locs
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
        json={
            "name": "arenalab/PacMan-v0",
            "seed": 3,
            "parameters": {"grid_size": 8, "num_ghosts": 1, "render_scale": 10},
        },
    )
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
    assert bad_name.status_code == 422 and bad_name.json()["detail"][0]["loc"] == ["body", "name"]
    bad_param = lab.post("/api/v1/environments", json={"parameters": {"lives": -1}})
    assert bad_param.status_code == 422
    assert bad_param.json()["detail"][0]["loc"] == ["body", "parameters", "lives"]
    env_id = lab.post("/api/v1/environments", json={}).json()["id"]
    bad_action = lab.post(f"/api/v1/environments/{env_id}/step", json={"action": 7})
    assert bad_action.status_code == 422
    (error,) = bad_action.json()["detail"]
    assert error["loc"] == ["body", "action"] and "Discrete(5)" in error["msg"]
    for answer in (bad_name, bad_param, bad_action):
        assert "Traceback" not in answer.text and "ray::" not in answer.text
    assert lab.post("/api/v1/environments/999999/step", json={"action": 1}).status_code == 404


def test_a_bad_seed_is_refused_and_breaks_nothing(lab: TestClient) -> None:
    """``{"seed": -1}`` is a 422 naming ``seed``; listing environments still works after it."""
    for body in ({"seed": -1}, {"seed": 2**70}):
        answer = lab.post("/api/v1/environments", json=body)
        assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "seed"]
    env_id = lab.post("/api/v1/environments", json={"seed": 1}).json()["id"]
    reset = lab.post(f"/api/v1/environments/{env_id}/reset", json={"seed": -1})
    assert reset.status_code == 422 and reset.json()["detail"][0]["loc"] == ["body", "seed"]
    assert lab.get("/api/v1/environments").status_code == 200


def test_a_killed_env_host_is_replaced(lab: TestClient) -> None:
    """After the EnvHost actor dies, the next calls reach a new one: no 500 forever."""
    import ray  # the session's head is joined by the ray_head fixture
    from arenalab.serving.lab.env_host import ACTOR_NAME, NAMESPACE

    env_id = lab.post("/api/v1/environments", json={}).json()["id"]
    ray.kill(ray.get_actor(ACTOR_NAME, namespace=NAMESPACE), no_restart=True)
    listed = lab.get("/api/v1/environments")
    assert listed.status_code == 200, listed.text
    assert env_id not in [instance["id"] for instance in listed.json()["instances"]]
    assert lab.get(f"/api/v1/environments/{env_id}").status_code == 404  # gone with its host
    assert lab.post("/api/v1/environments", json={}).status_code == 201


HUGE = 2**70  # past int64: SQLite raised OverflowError, a plain-text 500


@pytest.mark.parametrize(
    ("method", "path", "body", "loc"),
    [
        ("get", f"/api/v1/experiments/{HUGE}", None, ["path", "experiment_id"]),
        ("put", f"/api/v1/experiments/{HUGE}", {}, ["path", "experiment_id"]),
        ("delete", f"/api/v1/experiments/{HUGE}", None, ["path", "experiment_id"]),
        ("post", "/api/v1/training/sessions", {"experiment_id": HUGE}, ["body", "experiment_id"]),
        (
            "get",
            f"/api/v1/training/sessions?experiment_id={HUGE}",
            None,
            ["query", "experiment_id"],
        ),
        ("get", f"/api/v1/training/sessions/{HUGE}", None, ["path", "session_id"]),
        ("post", f"/api/v1/training/sessions/{HUGE}/start", None, ["path", "session_id"]),
        ("get", f"/api/v1/training/sessions/{HUGE}/metrics", None, ["path", "session_id"]),
        (
            "get",
            f"/api/v1/training/sessions/1/metrics?after_iteration={HUGE}",
            None,
            ["query", "after_iteration"],
        ),
        ("get", f"/api/v1/environments/{HUGE}", None, ["path", "env_id"]),
        ("post", f"/api/v1/environments/{HUGE}/step", {"action": 1}, ["path", "env_id"]),
        ("get", f"/api/v1/visualization/{HUGE}/frame.png", None, ["path", "env_id"]),
        ("post", f"/api/v1/policies/{HUGE}/act", {"observation": [0.0]}, ["path", "model_id"]),
        ("get", f"/api/models/{HUGE}/onnx", None, ["path", "model_id"]),
        ("post", f"/api/fighters/{HUGE}/act", {"observation": [0.0]}, ["path", "fighter_id"]),
        (
            "post",
            "/api/act",
            {"fighters": [{"fighter_id": HUGE, "observation": [0.0]}]},
            ["body", "fighters", 0, "fighter_id"],
        ),
    ],
)
def test_integers_past_int64_are_a_422_naming_the_field(
    lab: TestClient, method: str, path: str, body: dict | None, loc: list
) -> None:
    """Ids, queries and bodies above int64 are refused at the edge, as JSON."""
    answer = lab.request(method, path, json=body)
    assert answer.status_code == 422, answer.text
    assert loc in [error["loc"] for error in answer.json()["detail"]]


def test_a_step_action_past_int64_is_a_422(lab: TestClient) -> None:
    """``{"action": 2**70}`` is refused before numpy overflows in the actor."""
    env_id = lab.post("/api/v1/environments", json={}).json()["id"]
    answer = lab.post(f"/api/v1/environments/{env_id}/step", json={"action": HUGE})
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"][:2] == ["body", "action"]


def test_live_socket_rejects_bad_messages_without_closing(lab: TestClient) -> None:
    """A malformed subscription gets an error message and the socket stays usable."""
    with lab.websocket_connect("/ws") as socket:
        socket.send_text("not json")
        assert socket.receive_json()["type"] == "error"
        socket.send_json({"type": "subscribe", "channel": "weather"})
        assert "channel" in socket.receive_json()["data"]["detail"]
        socket.send_json({"type": "subscribe", "channel": "session_updates"})
        assert socket.receive_json()["type"] == "subscribed"


def test_live_socket_survives_binary_frames_and_huge_ids(lab: TestClient) -> None:
    """A binary frame and a session id past int64 get error messages; the socket serves on."""
    with lab.websocket_connect("/ws") as socket:
        socket.send_bytes(b'{"type": "subscribe", "channel": "metrics"}')
        error = socket.receive_json()
        assert error["type"] == "error" and "text frame" in error["data"]["detail"]
        socket.send_json({"type": "subscribe", "channel": "metrics", "session_id": HUGE})
        error = socket.receive_json()
        assert error["type"] == "error" and "session_id" in error["data"]["detail"][0]
        socket.send_json({"type": "subscribe", "channel": "session_updates"})
        assert socket.receive_json()["type"] == "subscribed"


def test_session_updates_are_a_snapshot_then_each_change(make_client, data_dir) -> None:
    """Two lab pages see every session at once, then new sessions and progress as jobs record it."""
    lab = make_client()
    experiment_id = lab.post("/api/v1/experiments/", json=SEED_EXPERIMENT).json()["id"]
    first = lab.post("/api/v1/training/sessions", json={"experiment_id": experiment_id}).json()
    with lab.websocket_connect("/ws") as page, lab.websocket_connect("/ws") as other_page:
        for socket in (page, other_page):
            socket.send_json({"type": "subscribe", "channel": "session_updates"})
            assert socket.receive_json()["type"] == "subscribed"
            snapshot = socket.receive_json()
            assert snapshot["type"] == "session_update" and snapshot["channel"] == "session_updates"
            created = {"status": "created", "iterations": 0, "env_steps": 0, "error": None}
            assert snapshot["data"] == {
                "id": first["id"],
                "experiment_id": experiment_id,
                **created,
            }
        second = lab.post("/api/v1/training/sessions", json={"experiment_id": experiment_id})
        assert page.receive_json()["data"]["id"] == second.json()["id"]
        registry = Registry.from_settings(load_settings(data_dir=data_dir))
        registry.record_metrics(first["id"], 1, 400, {"episode_return_mean": 1.5})  # as a job does
        progress = page.receive_json()["data"]
        assert (progress["id"], progress["iterations"], progress["env_steps"]) == (
            first["id"],
            1,
            400,
        )
        seen_by_other = [other_page.receive_json()["data"]["id"] for _ in range(2)]
        assert seen_by_other == [second.json()["id"], first["id"]]
