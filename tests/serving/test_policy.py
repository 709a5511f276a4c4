"""Inference through real Ray Serve over real HTTP and WebSockets, with trained models.

The same tests for each placement of the policies (``PolicyArgs.placement``): in the
ingress replica, and in the policy deployment behind it; one module-scoped app per
placement on a free port of the session's Ray head, both on one registry. Fighter 0's
model comes from ``arenalab.training.train``; fighters 1 and 2 get their own registry
rows (so three model ids are multiplexed); fighter 3 has no model; a filtered
checkpoint serves as the "new best" in hot reload.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import onnxruntime
import pytest
from arenalab.cli.demo import Demo, act_in_real_time, post_a_battle
from arenalab.envs.arena.spec import OBS_SIZE, OBS_SPEC_VERSION
from arenalab.policies import Policy
from arenalab.registry import Registry
from arenalab.registry.repository import BEST_MIN_EPISODES
from arenalab.serving.client import ArenaClient
from arenalab.serving.deployment import IngressArgs, build_app
from arenalab.serving.inference.protocol import POLICY_DEPLOYMENT, PolicyArgs
from arenalab.settings import load_settings
from arenalab.storage import open_storage
from websockets.sync.client import connect

from tests.conftest import free_port
from tests.examples.node import NODE, ROOT, node_websocket, requires_node, run
from tests.policy_models import train_filtered, train_registered

APP = "arenalab-policy-test"


PLACEMENTS = ["ingress", "deployment"]


@dataclass(frozen=True)
class Served:
    """The deployed apps and what the tests registered."""

    url: str
    placement: str
    data_dir: Path
    registry: Registry
    fighters: list[int]  # 0-2 have models, 3 has none
    models: list[int]  # best model of fighters 0-2
    filtered_checkpoint: Path
    trained_checkpoint: Path

    def model_row(self, checkpoint: Path, fighter_id: int | None, rating: float | None) -> int:
        """Register another model on an existing checkpoint (qualified for best if rated)."""
        base = self.registry.get_model(self.models[0])
        row = self.registry.register_model(
            fighter_id=fighter_id,
            algorithm=base.algorithm,
            env_id=base.env_id,
            obs_spec=base.obs_spec,
            module_id="default_policy",
            checkpoint_uri=str(checkpoint),
        )
        if rating is not None:
            qualify(self.registry, row.id, rating)
        return row.id


def qualify(registry: Registry, model_id: int, rating: float) -> None:
    """Score a model as the best-model rule requires (one protocol, enough episodes).

    These tests are about serving whichever model is best, not about training one that
    beats random in one iteration, so the score is set as an evaluation would set it.
    """
    registry.set_model_scores(
        model_id,
        protocol="serving-tests",
        eval_episodes=BEST_MIN_EPISODES,
        beats_random=True,
        rating=rating,
    )


def _observations(n: int, seed: int = 0) -> list[list[float]]:
    return np.random.default_rng(seed).uniform(-1, 1, (n, OBS_SIZE)).round(4).tolist()


@pytest.fixture(scope="module")
def trained(ray_head, tmp_path_factory: pytest.TempPathFactory) -> Served:
    """Train and register once for the module (both placements serve these models)."""
    data_dir = tmp_path_factory.mktemp("policy-serve") / "data"
    settings = load_settings(data_dir=data_dir)
    registry = Registry.from_settings(settings)
    meta = {"obs_spec": OBS_SPEC_VERSION}  # what training uses now
    fighters = [registry.create_fighter(f"f{i}.glb", meta).id for i in range(4)]
    trained_id = train_registered(settings, fighters[0])
    qualify(registry, trained_id, 1000.0)
    trained = registry.get_model(trained_id)
    filtered = train_filtered(Path(open_storage(settings).path("runs", "filtered", "ckpt")))
    served = Served(
        "", "", data_dir, registry, fighters, [trained.id], filtered, Path(trained.checkpoint_uri)
    )
    models = [trained.id] + [
        served.model_row(served.trained_checkpoint, fighter, 1000.0) for fighter in fighters[1:3]
    ]
    return dataclasses.replace(served, models=models)


@pytest.fixture(scope="module", params=PLACEMENTS)
def served(trained: Served, request: pytest.FixtureRequest) -> Iterator[Served]:
    """Deploy the ingress with its policies where the placement says; its URL in ``url``."""
    from ray import serve
    from ray.serve.schema import LoggingConfig

    port = free_port()
    serve.start(
        http_options={"host": "127.0.0.1", "port": port},
        logging_config=LoggingConfig(enable_access_log=False),
    )
    overrides = {"data_dir": str(trained.data_dir)}
    policy = PolicyArgs(placement=request.param, num_cpus=0.25, max_models_per_replica=4)
    args = IngressArgs(settings=overrides, num_cpus=0.25, policy=policy)
    serve.run(build_app(args), name=APP, route_prefix="/")
    yield dataclasses.replace(trained, url=f"http://127.0.0.1:{port}", placement=request.param)
    serve.shutdown()


def _post(served: Served, path: str, body: dict) -> httpx.Response:
    return httpx.post(served.url + path, json=body, timeout=60)


def test_fighter_act_uses_its_best_model(served: Served) -> None:
    """One observation in, one action in Box(-1, 1, (4,)) out, equal to the library's."""
    obs = _observations(3)
    answer = _post(served, f"/api/fighters/{served.fighters[0]}/act", {"observation": obs[0]})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["model_id"] == served.models[0] and body["fighter_id"] == served.fighters[0]
    assert len(body["action"]) == 4 and all(-1 <= a <= 1 for a in body["action"])
    local = Policy.from_checkpoint(served.trained_checkpoint)
    np.testing.assert_allclose(body["action"], local.act(np.array(obs[0]))[0], atol=1e-5)
    batch = _post(served, f"/api/fighters/{served.fighters[0]}/act", {"observations": obs})
    np.testing.assert_allclose(batch.json()["actions"], local.act(np.array(obs)), atol=1e-5)
    np.testing.assert_allclose(batch.json()["actions"][0], body["action"], atol=1e-6)


def test_battle_act_multiplexes_three_fighters(served: Served) -> None:
    """One request, three fighters, three model ids; each equals that fighter's own act."""
    obs = _observations(3, seed=1)
    fighters = [
        {"fighter_id": f, "observation": o} for f, o in zip(served.fighters[:3], obs, strict=True)
    ]
    answer = _post(served, "/api/act", {"fighters": fighters})
    assert answer.status_code == 200, answer.text
    actions = answer.json()["actions"]
    assert [a["model_id"] for a in actions] == served.models
    for fighter, action in zip(fighters, actions, strict=True):
        one = _post(
            served,
            f"/api/fighters/{fighter['fighter_id']}/act",
            {"observation": fighter["observation"]},
        )
        np.testing.assert_allclose(action["action"], one.json()["action"], atol=1e-6)
    sampled = _post(served, "/api/act", {"fighters": fighters, "deterministic": False})
    assert all(-1 <= v <= 1 for a in sampled.json()["actions"] for v in a["action"])


def test_any_registered_model_acts_under_v1(served: Served) -> None:
    """/api/v1/policies/{id}/act serves a model that is nobody's best, filters included."""
    model_id = served.model_row(served.filtered_checkpoint, None, None)
    obs = _observations(4, seed=2)
    answer = _post(served, f"/api/v1/policies/{model_id}/act", {"observations": obs})
    assert answer.status_code == 200, answer.text
    local = Policy.from_checkpoint(served.filtered_checkpoint)
    np.testing.assert_allclose(answer.json()["actions"], local.act(np.array(obs)), atol=1e-5)
    assert _post(served, "/api/v1/policies/999999/act", {"observation": obs[0]}).status_code == 404


def test_a_model_that_cannot_be_served_is_a_json_error(served: Served) -> None:
    """A registered checkpoint without the module answers 500 with a detail, not a bare 500."""
    empty = served.filtered_checkpoint.parent / "empty-checkpoint"
    empty.mkdir(exist_ok=True)
    model_id = served.model_row(empty, None, None)
    answer = _post(served, f"/api/v1/policies/{model_id}/act", {"observation": [0.1] * OBS_SIZE})
    assert answer.status_code == 500
    assert "UnsupportedCheckpointError" in answer.json()["detail"]
    for leak in (str(empty), "Traceback", "ray::", "pid="):  # the log has those, not the body
        assert leak not in answer.text


@pytest.mark.parametrize(
    ("target", "body", "status", "detail"),
    [
        ("fighter", {"observation": [0.1] * (OBS_SIZE - 1)}, 422, f"expected {OBS_SIZE} values"),
        (
            "fighter",
            {"observations": [[0.1] * OBS_SIZE, [0.1] * (OBS_SIZE + 1)]},
            422,
            "differ in length",
        ),
        ("fighter", {"observation": [0.1] * (OBS_SIZE - 1) + [float("nan")]}, 422, "finite"),
        (
            "fighter",
            {"observation": [0.1] * OBS_SIZE, "observations": [[0.1] * OBS_SIZE]},
            422,
            "exactly one",
        ),
        ("unknown", {"observation": [0.1] * OBS_SIZE}, 404, "fighter 999999 not found"),
        ("no-model", {"observation": [0.1] * OBS_SIZE}, 404, "clearly beats random"),
    ],
)
def test_bad_requests_name_the_problem(
    served: Served, target: str, body: dict, status: int, detail: str
) -> None:
    """Wrong length, NaN, both fields, unknown fighter, fighter without a model."""
    fighter = {"fighter": served.fighters[0], "unknown": 999999, "no-model": served.fighters[3]}
    content = json.dumps(body)  # NaN is written as the bare token NaN, as JavaScript can't
    answer = httpx.post(
        f"{served.url}/api/fighters/{fighter[target]}/act",
        content=content,
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert answer.status_code == status, answer.text
    assert detail in answer.text
    if status == 422:
        assert answer.json()["detail"][0]["loc"][0] == "body"


def test_stream_answers_in_order_and_survives_bad_messages(served: Served) -> None:
    """Pipelined frames come back in order; a bad one gets an error naming fighter and field."""
    ws_url = served.url.replace("http", "ws", 1) + "/api/act/stream"
    obs = _observations(2, seed=3)
    fighters = [
        {"fighter_id": f, "observation": o} for f, o in zip(served.fighters[:2], obs, strict=True)
    ]
    frame = {"fighters": fighters}
    short = {"fighter_id": served.fighters[1], "observation": [0.0] * 3}
    bad = {"frame": 5, "fighters": [fighters[0], short]}
    with connect(ws_url, open_timeout=60) as socket:
        for number in range(5):
            socket.send(json.dumps({"frame": number, **frame}))
        socket.send(json.dumps(bad))
        socket.send(json.dumps({"frame": 6, **frame}))
        answers = [json.loads(socket.recv(timeout=60)) for _ in range(7)]
    assert [a["frame"] for a in answers] == list(range(7))
    assert [a["type"] for a in answers] == ["actions"] * 5 + ["error", "actions"]
    error = answers[5]
    assert error["status"] == 422 and error["fighter_id"] == served.fighters[1]
    assert error["detail"][0]["loc"] == ["body", "fighters", 1, "observation"]
    again, first = answers[6]["actions"], answers[0]["actions"]
    assert [a["model_id"] for a in again] == [a["model_id"] for a in first]
    # one forward pass over a batch of another size rounds differently in the last bits
    np.testing.assert_allclose(
        [a["action"] for a in again], [a["action"] for a in first], atol=1e-5
    )


@pytest.mark.parametrize(
    "poison",
    [
        "[" * 100_000,  # nested past the recursion limit: the reader of `frame` crashed
        json.dumps({"frame": 1, "fighters": [{"fighter_id": 2**70, "observation": [0.0]}]}),
        b"\xff\xfe binary garbage",
    ],
)
def test_stream_keeps_serving_after_a_poison_message(served: Served, poison: str | bytes) -> None:
    """A message that once wedged the socket is answered with an error; the next one acts."""
    ws_url = served.url.replace("http", "ws", 1) + "/api/act/stream"
    good = {
        "frame": 2,
        "fighters": [{"fighter_id": served.fighters[0], "observation": _observations(1)[0]}],
    }
    with connect(ws_url, open_timeout=60, max_size=None) as socket:
        socket.send(poison)
        socket.send(json.dumps(good))
        error, actions = (json.loads(socket.recv(timeout=60)) for _ in range(2))
    assert error["type"] == "error" and error["status"] == 422, error
    assert actions["type"] == "actions" and actions["frame"] == 2


def test_hot_reload_switches_models_without_a_failed_request(served: Served) -> None:
    """A new best model answers within seconds while requests keep flowing, none failing."""
    fighter = served.registry.create_fighter("reloaded.glb", {"obs_spec": OBS_SPEC_VERSION}).id
    old = served.model_row(served.trained_checkpoint, fighter, 1000.0)
    first = _post(served, f"/api/fighters/{fighter}/act", {"observation": [0.2] * OBS_SIZE})
    assert first.json()["model_id"] == old  # loaded and answering before the switch
    seen: list[tuple[int, int]] = []
    stop = threading.Event()

    def hammer() -> None:
        with httpx.Client(timeout=60) as client:
            while not stop.is_set():
                answer = client.post(
                    f"{served.url}/api/fighters/{fighter}/act",
                    json={"observation": [0.2] * OBS_SIZE},
                )
                seen.append((answer.status_code, answer.json().get("model_id", -1)))

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    new = served.model_row(served.filtered_checkpoint, fighter, 5000.0)
    switched_at, deadline = time.monotonic(), time.monotonic() + 30
    while time.monotonic() < deadline and not any(m == new for _, m in seen[-3:]):
        time.sleep(0.1)
    elapsed = time.monotonic() - switched_at
    time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join()
    assert all(status == 200 for status, _ in seen), [s for s in seen if s[0] != 200][:3]
    models = [model for _, model in seen]
    assert models[0] == old and models[-1] == new
    assert elapsed < 10, f"the new model answered after {elapsed:.1f} s"


def test_onnx_download_acts_like_the_served_policy(served: Served, tmp_path: Path) -> None:
    """GET /api/models/{id}/onnx is one file whose greedy actions equal the HTTP answer."""
    model_id = served.models[1]
    answer = httpx.get(f"{served.url}/api/models/{model_id}/onnx", timeout=120)
    assert answer.status_code == 200, answer.text
    assert float(answer.headers["x-onnx-max-abs-diff"]) < 1e-4
    path = tmp_path / "model.onnx"
    path.write_bytes(answer.content)
    obs = _observations(5, seed=4)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    action, _ = session.run(None, {"obs": np.array(obs, dtype=np.float32)})
    served_actions = _post(served, f"/api/v1/policies/{model_id}/act", {"observations": obs})
    np.testing.assert_allclose(action, served_actions.json()["actions"], atol=1e-4)
    assert httpx.get(f"{served.url}/api/models/999999/onnx", timeout=60).status_code == 404


# The clients (examples/ and arenalab.serving.client) against this deployment, as a game uses them.


def test_js_battle_example_acts_with_the_best_model_and_records_every_frame(
    served: Served,
) -> None:
    """examples/arena-battle.mjs: one act per frame, batches of frames, stats that count them."""
    fighter = served.fighters[1]
    with ArenaClient(served.url) as arena:
        before = arena.fighter_stats(fighter)
        command = [NODE, "examples/arena-battle.mjs", served.url, "--fighter", str(fighter)]
        out = run([*command, "--frames", "30"]).stdout
        after = arena.fighter_stats(fighter)
        episode = arena.fighter_episodes(fighter)[-1]
        frames = arena.episode_frames(episode.id).frames
        first = arena.act(fighter, frames[0]["observation_vector"])
    assert f"best model {served.models[1]}" in out and f"{episode.duration_frames} frames" in out
    assert after.episodes == before.episodes + 1 and episode.status == "closed"
    assert after.frames == before.frames + episode.duration_frames == before.frames + len(frames)
    assert [f["frame_number"] for f in frames] == list(range(len(frames)))
    assert len(frames[0]["observation_vector"]) == OBS_SIZE  # the published arenaObservation
    np.testing.assert_allclose(frames[0]["action_vector"], first.action, atol=1e-4)


def test_js_stream_recorder_waits_for_the_last_ack(served: Served) -> None:
    """--stream: frames over the WebSocket, all stored before the episode closes."""
    command = [*node_websocket(), "examples/arena-battle.mjs", served.url, "--stream"]
    out = run([*command, "--frames", "40"]).stdout
    fighter = int(re.search(r"^fighter (\d+): no best model", out, re.M).group(1))
    with ArenaClient(served.url) as arena:
        stats = arena.fighter_stats(fighter)
        (episode,) = arena.fighter_episodes(fighter)
    assert stats.episodes == 1 and stats.frames == episode.duration_frames == episode.frame_count
    assert episode.duration_frames > 0 and f"{episode.duration_frames} frames" in out


@requires_node
def test_js_and_python_clients_get_the_same_battle_actions(served: Served) -> None:
    """The JS actBattle and Python act_battle: every fighter's own best model, same actions."""
    observations = dict(zip(served.fighters[:2], _observations(2, seed=5), strict=True))
    fighters = [{"fighterId": f, "observation": o} for f, o in observations.items()]
    script = (
        "import { ArenaClient } from './examples/arena-client.mjs';"
        f"const arena = new ArenaClient('{served.url}');"
        f"const answer = await arena.actBattle({json.dumps(fighters)});"
        "console.log(JSON.stringify(answer));"
    )
    from_js = json.loads(run([NODE, "--input-type=module", "-e", script]).stdout)["actions"]
    with ArenaClient(served.url) as arena:
        from_python = arena.act_battle(observations).actions
        assert arena.best_model(served.fighters[0]).id == served.models[0]
        assert arena.best_model(served.fighters[3]) is None
        assert arena.health().status in ("healthy", "degraded")
    assert [a["model_id"] for a in from_js] == [a.model_id for a in from_python]
    assert [a.model_id for a in from_python] == served.models[:2]
    np.testing.assert_allclose(
        [a["action"] for a in from_js], [a.action for a in from_python], atol=1e-6
    )


def test_demo_posts_a_battle_and_acts_through_the_python_client(served: Served) -> None:
    """The demo's arena steps go through the Python client: frames in stats, an action answered."""
    lines: list[str] = []
    with ArenaClient(served.url) as arena:
        demo = Demo(load_settings(), arena, lines.append, {"arena_model_id": served.models[0]})
        post_a_battle(demo)
        act_in_real_time(demo)  # the new fighter has no best model: the model is asked by id
        stats = arena.fighter_stats(demo.facts["fighter_id"])
    assert stats.episodes == 1 and stats.frames > 0
    assert f"{stats.frames} frames posted" in lines[0]
    assert "has no best model" in lines[1] and f"act: model {served.models[0]}" in lines[2]
    (posted, shown), (acted, answered) = demo.summary  # the closing table's rows
    assert posted == "game posts a battle" and f"{stats.frames} stored" in shown
    assert acted == "game asks for an action" and answered.startswith(f"model {served.models[0]}")


def test_lab_live_example_receives_the_session_snapshot(served: Served) -> None:
    """docs/lab.md's snippet (examples/lab-live.mjs) on Node 20 prints each session's status."""
    command = node_websocket()
    with ArenaClient(served.url) as arena:
        experiment = arena.request("POST", "/api/v1/experiments/", {"name": "live-js"}).json()
        body = {"experiment_id": experiment["id"]}
        session = arena.request("POST", "/api/v1/training/sessions", body).json()
    ws_url = served.url.replace("http", "ws", 1) + "/ws"
    with subprocess.Popen(
        [*command, "examples/lab-live.mjs", ws_url],
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    ) as live:
        timer = threading.Timer(60, live.kill)
        timer.start()
        expected, seen = f"session {session['id']}: created\n", ""
        try:
            for seen in iter(live.stdout.readline, ""):  # the timer ends a silent wait
                if seen == expected or "refused" in seen:
                    break
        finally:
            timer.cancel()
            live.kill()
    assert seen == expected


def test_a_registered_model_plays_a_live_lab_env_on_the_game_state_channel(served: Served) -> None:
    """POST .../play: every step is the served policy's greedy action, pushed on game_state."""
    model_id = served.models[0]
    policy = Policy.from_checkpoint(served.trained_checkpoint)
    with httpx.Client(base_url=served.url, timeout=60) as client:
        created = client.post(
            "/api/v1/environments",
            json={"name": "arenalab/Arena-v0", "parameters": {"max_steps": 25}},
        )
        assert created.status_code == 201, created.text
        env_id = created.json()["id"]
        older = client.post(
            "/api/v1/environments",
            json={"name": "arenalab/Arena-v0", "parameters": {"obs_spec": "arena-obs-v1"}},
        ).json()["id"]
        refused = client.post(f"/api/v1/environments/{older}/play", json={"model_id": model_id})
        assert refused.status_code == 422 and "model_id" in refused.text
        unknown = client.post(f"/api/v1/environments/{env_id}/play", json={"model_id": 99999})
        assert unknown.status_code == 404
        with connect(served.url.replace("http", "ws", 1) + "/ws") as live:
            live.send(json.dumps({"type": "subscribe", "channel": "game_state"}))
            assert json.loads(live.recv(timeout=30))["type"] == "subscribed"
            body = {"model_id": model_id, "fps": 100, "seed": 7}
            playing = client.post(f"/api/v1/environments/{env_id}/play", json=body)
            assert playing.status_code == 202 and playing.json()["played_by"] == model_id
            manual = client.post(f"/api/v1/environments/{env_id}/step", json={"action": [0] * 4})
            assert manual.status_code == 409
            states = []
            while not states or states[-1]["played_by"] is not None:
                pushed = json.loads(live.recv(timeout=30))["data"]
                if pushed["id"] == env_id:
                    states.append(pushed)
        final = client.get(f"/api/v1/environments/{env_id}").json()
    assert final["done"] and final["play_error"] is None and final["steps"] == 25
    steps = [state for state in states if state["played_by"] == model_id and state["steps"] > 0]
    assert [state["steps"] for state in steps] == list(range(1, 26))
    previous = {state["steps"]: state["observation"] for state in states}
    for state in steps:
        expected = policy.act(policy.check(previous[state["steps"] - 1]), deterministic=True)[0]
        np.testing.assert_allclose(state["action"], expected, atol=1e-6)


def _loaded_entry(served: Served, model_id: int, timeout_s: float = 300) -> tuple[str, dict]:
    """Where policies run and the model's entry there, once its runtime is chosen."""
    deadline = time.monotonic() + timeout_s
    while True:
        listing = httpx.get(f"{served.url}/api/v1/inference/models", timeout=60).json()
        entry = next((m for m in listing["models"] if m["model_id"] == model_id), None)
        if (entry is not None and entry["runtime_chosen"]) or time.monotonic() > deadline:
            return listing["placement"], entry
        time.sleep(0.5)


def test_served_actions_equal_the_module_forward_on_onnx_runtime(served: Served) -> None:
    """Once timed faster, ONNX Runtime answers; its actions equal RLlib's forward's and act's."""
    import torch
    from ray.rllib.core.columns import Columns

    model_id, obs = served.models[0], _observations(64, seed=6)
    path = f"/api/v1/policies/{model_id}/act"
    assert _post(served, path, {"observation": obs[0]}).status_code == 200  # loads the model
    placement, entry = _loaded_entry(served, model_id)
    assert placement == served.placement
    assert entry["runtime"] == "onnx", entry
    assert entry["timings_us"]["onnx"] < entry["timings_us"]["torch"] and entry["nbytes"] > 0
    actions = np.array(_post(served, path, {"observations": obs}).json()["actions"])
    local = Policy.from_checkpoint(served.trained_checkpoint)
    np.testing.assert_allclose(actions, local.act(np.array(obs, dtype=np.float32)), atol=1e-5)
    with torch.inference_mode():
        batch = {Columns.OBS: torch.tensor(obs, dtype=torch.float32)}
        inputs = local.module.forward_inference(batch)[Columns.ACTION_DIST_INPUTS].numpy()
    mean = inputs[:, : actions.shape[1]]  # a diagonal Gaussian's greedy action is its mean
    np.testing.assert_allclose(actions, np.clip(mean, -1, 1), atol=1e-5)  # Box(-1, 1)


def test_the_placement_setting_selects_where_policies_run(served: Served) -> None:
    """With placement ingress no policy deployment runs and the ingress holds the models."""
    from ray import serve

    deployments = set(serve.status().applications[APP].deployments)
    assert (POLICY_DEPLOYMENT in deployments) == (served.placement == "deployment"), deployments
    _post(served, f"/api/fighters/{served.fighters[1]}/act", {"observation": [0.1] * OBS_SIZE})
    placement, entry = _loaded_entry(served, served.models[1])
    assert placement == served.placement and entry is not None
