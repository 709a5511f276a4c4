"""``make demo``: the main job on embedded defaults, start to finish, on one machine.

It starts local Ray (or joins ``ARENALAB_RAY_ADDRESS``) with the HTTP API on Serve,
then does what the two game teams do: the arena game registers a fighter and posts
a battle over HTTP, the fighter trains and gets a rating, the game asks the served
best model for actions; the Pac-Man lab trains a preset and compares it with the
baselines. It ends with the doctor's report. Every step goes through the same
public paths (HTTP API, ``train``, the registry) a user would take.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from arenalab.doctor import Check, run_checks
from arenalab.envs.arena import ArenaEnv
from arenalab.envs.arena.spec import OBS_SIZE, OBS_SPEC_VERSION
from arenalab.experiments import build_experiment
from arenalab.registry import Registry
from arenalab.settings import Settings
from arenalab.training import train
from arenalab.training.evaluation import evaluate_model

DEMO_ITERATIONS = 3
PACMAN_ITERATIONS = 15  # ~15k steps: enough to beat random clearly (tests/.../test_learning.py)
SMALL_MAZE = {  # the lab's first experiment: a maze a policy masters in a minute
    "name": "demo-pacman",
    "game": {"grid_size": 7, "num_ghosts": 0, "power_pellets": 1, "max_steps": 100},
    "training": {"learning_rate": 1e-3, "batch_size": 128, "buffer_size": 1000},
    "intelligence": {"exploration_rate": 0.01},
    "run": {"evaluation_episodes": 20, "checkpoint_every": 5},
}


@dataclass
class Demo:
    """What the steps share: settings, the API's URL and what earlier steps made."""

    settings: Settings
    api: httpx.Client
    report: Callable[[str], None]
    facts: dict[str, Any] = field(default_factory=dict)


def post_a_battle(demo: Demo) -> None:
    """The arena game's calls (seed 000): fighter, episode, every frame, close, stats."""
    api = demo.api
    fighter = api.post(
        "/api/fighters",
        json={
            "glb_filename": "bacon-cyborg.glb",
            "metadata_json": {"size": 1.0, "speed": 1.0, "obs_spec": OBS_SPEC_VERSION},
        },
    )
    fighter_id = fighter.raise_for_status().json()["id"]  # fmt: skip
    episode = api.post("/api/episodes", json={"fighter_id": fighter_id, "episode_number": 1,
                                              "opponent_ids": [2]})  # fmt: skip
    episode_id = episode.raise_for_status().json()["id"]
    env = ArenaEnv({"num_fighters": 2, "opponent_policy": "random", "max_steps": 300})
    observation, _ = env.reset(seed=0)
    frames, total, done, info = [], 0.0, False, {}
    while not done:
        action = env.action_space.sample()
        frame = env.frame()
        next_observation, reward, terminated, truncated, info = env.step(action)
        total += reward
        frame["enemies_state"] = [{**e, "id": 2} for e in frame["enemies_state"]]
        frames.append({**frame, "episode_id": episode_id, "action_vector": action.tolist(),
                       "reward_delta": reward, "cumulative_reward": total,
                       "observation_vector": observation.tolist()})  # fmt: skip
        observation, done = next_observation, terminated or truncated
    for start in range(0, len(frames), 60):  # one second of frames per request
        api.post("/api/fight-frames/batch", json=frames[start : start + 60]).raise_for_status()
    api.patch(f"/api/episodes/{episode_id}", json={"total_reward": total,
              "duration_frames": len(frames), "is_victory": bool(info.get("is_victory")),
              "rank": 1}).raise_for_status()  # fmt: skip
    stats = api.get(f"/api/fighters/{fighter_id}/stats").raise_for_status().json()
    demo.facts["fighter_id"] = fighter_id
    demo.report(f"fighter {fighter_id}: {len(frames)} frames posted, stats {stats}")


def train_the_fighter(demo: Demo) -> None:
    """Train the game's fighter in the arena simulation; its model gets a rating."""
    experiment = build_experiment({"name": "demo-arena", "environment": "arena",
                                   "game": {"fighters": [demo.facts["fighter_id"]]}},
                                  preset="rapide")  # fmt: skip
    result = train(experiment, iterations=DEMO_ITERATIONS, settings=demo.settings,
                   progress=lambda p: demo.report(p.line()))  # fmt: skip
    for model in result.models:
        demo.report(f"model {model.model_id}: rating {model.rating}, best {model.is_best}")


def act_in_real_time(demo: Demo) -> None:
    """The game asks the fighter's best model for an action, as its AI fighters will."""
    observation = [0.0] * OBS_SIZE  # arena-obs-v2, what arena training observes
    answer = demo.api.post(f"/api/fighters/{demo.facts['fighter_id']}/act",
                           json={"observation": observation})  # fmt: skip
    demo.report(f"act: {answer.raise_for_status().json()}")


def train_pacman(demo: Demo) -> None:
    """The lab trains Pac-Man; the model is scored next to the random and heuristic baselines."""
    experiment = build_experiment(SMALL_MAZE)
    result = train(experiment, iterations=PACMAN_ITERATIONS, settings=demo.settings,
                   progress=lambda p: demo.report(p.line()))  # fmt: skip
    registry = Registry.from_settings(demo.settings)
    report = evaluate_model(result.models[0].model_id, episodes=20, registry=registry)
    for name, scores in report.items():
        demo.report(f"{name}: {scores}")


STEPS: list[Callable[[Demo], None]] = [post_a_battle, train_the_fighter, act_in_real_time,
                                       train_pacman]  # fmt: skip


def run_demo(settings: Settings, report: Callable[[str], None] = print) -> list[Check]:
    """Serve the API on local Ray, run every step through it, then the doctor's checks."""
    import ray
    from ray import serve

    from arenalab.serving.launch import APP_NAME, deploy

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = deploy(settings)
    try:
        with httpx.Client(base_url=url, timeout=60) as api:
            demo = Demo(settings, api, report)
            report(f"API at {url} (docs: {url}/docs)")
            for step in STEPS:
                report(f"== {step.__doc__}")
                step(demo)
        return run_checks(settings)
    finally:
        serve.delete(APP_NAME)
        serve.shutdown()
        ray.shutdown()
