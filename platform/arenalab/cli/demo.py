"""``arenalab demo`` (what ``make demo`` runs): the main job on embedded defaults, start to finish.

It starts local Ray (or joins ``ARENALAB_RAY_ADDRESS``) with the HTTP API on Serve,
then does what the two game teams do: the arena game registers a fighter and posts
a battle over HTTP, the fighter trains (a smoke-test budget) and is scored in fights
against the random and heuristic anchors, the game asks the served model for actions;
the Pac-Man lab trains the débutant preset and sees the model next to the random and
heuristic policies on the same 100 seeded episodes, with a plain verdict of how far
it is from each. It ends with the doctor's report. Every step goes through the same
public paths (HTTP API, ``train``, the scoring protocol, the registry) a user would take.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from arenalab import health
from arenalab.cli import doctor
from arenalab.cli.settings import settings_or_exit
from arenalab.envs.arena import ArenaEnv
from arenalab.envs.arena.spec import OBS_SIZE
from arenalab.experiments import build_experiment
from arenalab.registry import Registry
from arenalab.serving.client import ApiError, ArenaClient
from arenalab.settings import Settings
from arenalab.training import train
from arenalab.training.evaluation import Score, evaluate_model, score_lines

DEMO_ITERATIONS = 3
PACMAN = {"name": "demo-pacman", "run": {"checkpoint_every": 50}}  # the débutant preset:
# a 7x7 maze, per-move features, 60k env steps (about 3 minutes of PPO on 2 cores)
ARENA_FIGHTS = 20  # per anchor; the smoke-test fighter is shown, not crowned (100 decide best)


@dataclass
class Demo:
    """What the steps share: settings, the API's client and what earlier steps made."""

    settings: Settings
    arena: ArenaClient
    report: Callable[[str], None]
    facts: dict[str, Any] = field(default_factory=dict)
    summary: list[tuple[str, str]] = field(default_factory=list)
    """One ``(step, what it showed)`` row per step, for the closing table."""


@dataclass(frozen=True)
class DemoResult:
    """What the demo showed, step by step, and the doctor's report at the end."""

    summary: list[tuple[str, str]]
    report: dict[str, health.Facts]


def post_a_battle(demo: Demo) -> None:
    """The arena game's calls (seed 000): fighter, episode, every frame, close, stats."""
    arena = demo.arena
    fighter_id = arena.register_fighter("bacon-cyborg.glb").id  # declares the arena's spec
    episode = arena.start_episode(fighter_id, opponent_ids=[2])
    env = ArenaEnv({"num_fighters": 2, "opponent_policy": "random", "max_steps": 300})
    observation, _ = env.reset(seed=0)
    frames, total, done, info = [], 0.0, False, {}
    while not done:
        action = env.action_space.sample()
        frame = env.frame()
        next_observation, reward, terminated, truncated, info = env.step(action)
        total += reward
        frame["enemies_state"] = [{**e, "id": 2} for e in frame["enemies_state"]]
        frames.append(
            {
                **frame,
                "action_vector": action.tolist(),
                "reward_delta": reward,
                "cumulative_reward": total,
                "observation_vector": observation.tolist(),
            }
        )
        observation, done = next_observation, terminated or truncated
    for start in range(0, len(frames), 60):  # one second of frames per request
        arena.record_frames(episode, frames[start : start + 60])
    arena.complete_episode(
        episode,
        total_reward=total,
        duration_frames=len(frames),
        is_victory=bool(info.get("is_victory")),
        rank=1,
    )
    stats = arena.fighter_stats(fighter_id)
    demo.facts["fighter_id"] = fighter_id
    demo.report(
        f"fighter {fighter_id}: {len(frames)} frames posted; stats: episodes "
        f"{stats.episodes}, frames {stats.frames}, "
        f"best reward {stats.best_reward:.2f}"
    )
    demo.summary.append(
        (
            "game posts a battle",
            f"fighter {fighter_id}: {len(frames)} frames posted, {stats.frames} stored",
        )
    )


def train_the_fighter(demo: Demo) -> None:
    """Train the game's fighter briefly (a smoke test); score it in fights with the anchors."""
    experiment = build_experiment(
        {
            "name": "demo-arena",
            "environment": "arena",
            "game": {"fighters": [demo.facts["fighter_id"]]},
        },
        preset="rapide",
    )
    result = train(
        experiment,
        iterations=DEMO_ITERATIONS,
        settings=demo.settings,
        progress=lambda p: demo.report(p.line()),
    )
    model = result.models[0]
    registry = Registry.from_settings(demo.settings)
    score = evaluate_model(
        model.model_id, episodes=ARENA_FIGHTS, registry=registry, settings=demo.settings
    )
    demo.facts["arena_model_id"] = model.model_id
    report_score(demo, f"fighter model {model.model_id} after {result.env_steps} env steps", score)
    demo.summary.append((f"fighter trains ({result.env_steps} env steps)", _versus(score)))


def act_in_real_time(demo: Demo) -> None:
    """The game asks the fighter's best model for an action, or, without one, the model."""
    fighter_id = demo.facts["fighter_id"]
    observation = [0.0] * OBS_SIZE  # arena-obs-v2, what arena training observes
    try:
        answer = demo.arena.act(fighter_id, observation)
    except ApiError as error:
        if error.status != 404:
            raise
        demo.report(
            f"fighter {fighter_id} has no best model ({error.detail}): "
            "the game asks the trained model by id instead"
        )
        answer = demo.arena.model_act(demo.facts["arena_model_id"], observation)
    action = ", ".join(f"{value:.2f}" for value in answer.action)
    demo.report(
        f"act: model {answer.model_id} ({answer.algorithm}) answers [{action}] "
        "(move x, move y, attack, block)"
    )
    demo.summary.append(("game asks for an action", f"model {answer.model_id}: [{action}]"))


def train_pacman(demo: Demo) -> None:
    """The lab trains Pac-Man; the model is scored next to the random and heuristic baselines."""
    experiment = build_experiment(PACMAN, preset="débutant")
    result = train(experiment, settings=demo.settings, progress=lambda p: demo.report(p.line()))
    model = result.models[0]
    registry = Registry.from_settings(demo.settings)
    score = evaluate_model(model.model_id, registry=registry, settings=demo.settings)
    best = registry.get_model(model.model_id).is_best
    verdict = "the experiment's best model" if best else "not best: no clear margin over random"
    report_score(
        demo, f"Pac-Man model {model.model_id} after {result.env_steps} env steps, {verdict}", score
    )
    demo.report(f"learning curve: {result.learning_curve_uri}")
    demo.summary.append((f"Pac-Man lab trains ({result.env_steps} env steps)", _versus(score)))


def report_score(demo: Demo, title: str, score: Score) -> None:
    """The model next to the baselines it is compared with, and how far it is from them."""
    demo.report(f"{title}; {score.protocol.id}")
    for line in score_lines(score):
        demo.report(line)


def _versus(score: Score) -> str:
    """The model's main figure next to each baseline's, in the protocol's terms."""
    if score.protocol.arena:
        records = score.records["model"]
        fights = ", ".join(f"vs {name} {record.wdl()}" for name, record in records.items())
        return f"W/D/L {fights}; " + ("beats random" if score.beats_random else "no clear margin")
    mean = {policy: row["game"].mean_return for policy, row in score.results.items()}
    others = ", ".join(
        f"{policy} {value:+.1f}" for policy, value in mean.items() if policy != "model"
    )
    return f"mean return {mean['model']:+.1f} ({others})"


STEPS: list[Callable[[Demo], None]] = [
    post_a_battle,
    train_the_fighter,
    act_in_real_time,
    train_pacman,
]


def run_demo(settings: Settings, report: Callable[[str], None] = print) -> DemoResult:
    """Serve the API on local Ray, run every step through it, then the doctor's checks."""
    import ray
    from ray import serve

    from arenalab.serving.launch import APP_NAME, deploy

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = deploy(settings)
    try:
        key = settings.api_key.get_secret_value() if settings.api_key else None
        with ArenaClient(url, api_key=key) as arena:
            demo = Demo(settings, arena, report)
            report(f"API at {url} (docs: {url}/docs)")
            for step in STEPS:
                report(f"== {step.__doc__}")
                step(demo)
        return DemoResult(demo.summary, doctor.check(settings))
    finally:
        serve.delete(APP_NAME)  # only ours: the cluster may serve other apps
        ray.shutdown()


def command() -> None:
    """Run the main job on embedded defaults (local Ray, SQLite, ./data) and check health."""
    settings = settings_or_exit()
    console = Console()
    result = run_demo(settings, report=console.print)
    summary = Table("step", "what it showed", title="demo summary")
    for step, shown in result.summary:
        summary.add_row(step, shown)
    console.print(summary)
    console.print(doctor.table(result.report, settings))
    if health.status(result.report) == "unhealthy":
        raise typer.Exit(1)
