"""PPO on the seed's default Pac-Man: arenalab (RLlib) vs Stable-Baselines3, one run.

Same hyperparameters, network and env steps on both sides; the game is seed 004's
default (grid 10, 2 ghosts, 2 power pellets, 3 lives, 500 steps) seen through the
``features`` observation that ``experiments/pacman-ppo.yaml`` learns from. For 1 and 2
samplers it measures env steps per second over the whole training loop and the wall time
until the mean training-episode return first reaches ``TARGET_RETURN``, for:

- arenalab: ``samplers`` env runners, each with ``num_envs_per_env_runner: auto``
  (4 vectorized envs for PPO; opt-in, the default is 1), periodic greedy scoring off
  (``run.evaluation_every: null``: SB3 scores nothing while it trains either), and
  ``rllib.sb3_details: true`` (SB3's implementation choices where RLlib's differ:
  every epoch shuffled, orthogonal initial weights, Adam epsilon 1e-5);
- SB3 as its users run it: ``make_vec_env(n_envs=samplers)`` (``DummyVecEnv``);
- SB3 given arenalab's env count (``n_envs = 4 * samplers``), for reference.

It also times the game alone and SB3's update phase: with every other cost at zero, a
step would cost those two (``ceiling_vs_sb3``, in SB3's steps/s). Both sides use one
torch thread per process (the faster setting for these small
networks on 2 cores). Writes ``benchmarks/results/training.json`` with the ratios
(arenalab / SB3). Other processes' load swings single runs, so each configuration
runs ``--repeats`` times, alternating sides, and the ratios use each side's best run
(highest steps/s, shortest time to target); every run is kept.

The peer is installed only for this benchmark::

    .venv/bin/pip install stable-baselines3

Without it the SB3 rows are skipped with a message. Run: ``.venv/bin/python benchmarks/training.py``
(10-35 minutes on 2 cores, with the machine's speed; ``--steps`` changes the budget).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from arenalab.envs.pacman.config import PacManConfig

GAME: dict[str, Any] = {"observation": "features"}  # seed 004's default game, as
# experiments/pacman-ppo.yaml sees it (the default planes view learns nothing in this budget)
TARGET_RETURN = 0.0  # random play scores -64.9 on this game, the scripted heuristic +75.4
ROLLOUT = 1000  # env steps per PPO update, over all samplers
HYPER = {  # SB3 names -> the same values on both sides
    "learning_rate": 1e-3,
    "batch_size": 128,
    "n_epochs": 10,
    "gamma": 0.99,
    "gae_lambda": 0.95,
    "clip_range": 0.2,
    "ent_coef": 0.01,
    "vf_coef": 0.5,
    "max_grad_norm": 0.5,
}
HIDDEN = [64, 64]
RESULTS = Path(__file__).parent / "results" / "training.json"


def run_arenalab(samplers: int, steps: int, seed: int) -> dict[str, Any]:
    """Train with ``arenalab.training.train``; timings come from its progress callback."""
    from arenalab.experiments import build_experiment
    from arenalab.experiments.algorithm import envs_per_runner
    from arenalab.settings import get_settings
    from arenalab.training import train

    os.environ["ARENALAB_DATA_DIR"] = tempfile.mkdtemp(prefix="arenalab-bench-")
    get_settings.cache_clear()
    experiment = build_experiment(
        {
            "name": f"bench-{samplers}",
            "seed": seed,
            "game": GAME,
            "training": {
                "learning_rate": HYPER["learning_rate"],
                "gamma": HYPER["gamma"],
                "batch_size": HYPER["batch_size"],
                "buffer_size": ROLLOUT,
                "episodes": 10_000_000,
            },
            "intelligence": {"exploration_rate": HYPER["ent_coef"]},
            "resources": {"num_env_runners": samplers, "num_envs_per_env_runner": "auto"},
            "run": {
                "hidden_sizes": HIDDEN,
                "checkpoint_every": 10_000,
                "evaluation_every": None,  # SB3 runs no periodic greedy scoring either
                "evaluation_episodes": 1,
            },
            "rllib": {
                "num_epochs": HYPER["n_epochs"],
                "lambda_": HYPER["gae_lambda"],
                "clip_param": HYPER["clip_range"],
                "vf_loss_coeff": HYPER["vf_coef"],
                "grad_clip": HYPER["max_grad_norm"],
                "sb3_details": True,  # SB3's shuffling, initial weights and Adam epsilon
            },
        }
    )
    reached: list[float] = []
    last: dict[str, float] = {}

    def progress(p: Any) -> None:
        last.update(elapsed=p.elapsed_s, steps=p.env_steps, ret=p.episode_return or 0.0)
        if not reached and p.episode_return is not None and p.episode_return >= TARGET_RETURN:
            reached.append(p.elapsed_s)

    started = time.monotonic()
    train(experiment, iterations=steps // ROLLOUT, progress=progress)
    return {
        "samplers": samplers,
        "envs": envs_per_runner(experiment) * max(samplers, 1),
        "env_steps": last["steps"],
        "train_loop_s": round(last["elapsed"], 2),
        "env_steps_per_s": round(last["steps"] / last["elapsed"], 1),
        "time_to_target_s": round(reached[0], 2) if reached else None,
        "final_return": round(last["ret"], 2),
        "total_s_incl_setup_and_eval": round(time.monotonic() - started, 2),
    }


def run_sb3(samplers: int, envs: int, steps: int, seed: int) -> dict[str, Any] | None:
    """SB3 PPO on the same env and hyperparameters with ``envs`` envs; None without SB3."""
    try:
        import torch
        from stable_baselines3 import PPO
        from stable_baselines3.common.callbacks import BaseCallback
        from stable_baselines3.common.env_util import make_vec_env
    except ImportError:
        print("stable-baselines3 is not installed: pip install stable-baselines3 (skipping peer)")
        return None
    from arenalab.envs.pacman import PacManEnv

    torch.set_num_threads(1)  # as arenalab's learner and runners

    class Timer(BaseCallback):
        def __init__(self) -> None:
            super().__init__()
            self.reached: float | None = None
            self.ret = 0.0
            self.update_s = 0.0  # time in PPO updates: between a rollout's end and the next
            self.update_started: float | None = None

        def _on_training_start(self) -> None:
            self.started = time.monotonic()

        def _on_rollout_start(self) -> None:
            if self.update_started is not None:
                self.update_s += time.monotonic() - self.update_started

        def _on_rollout_end(self) -> None:
            self.update_started = time.monotonic()
            infos = self.model.ep_info_buffer
            if infos:
                self.ret = sum(info["r"] for info in infos) / len(infos)
                if self.reached is None and self.ret >= TARGET_RETURN:
                    self.reached = time.monotonic() - self.started

        def _on_step(self) -> bool:
            return True

    env = make_vec_env(lambda: PacManEnv(GAME), n_envs=envs, seed=seed)
    model = PPO(
        "MlpPolicy",
        env,
        n_steps=ROLLOUT // envs,
        seed=seed,
        verbose=0,
        device="cpu",
        policy_kwargs={"net_arch": {"pi": HIDDEN, "vf": HIDDEN}},
        **HYPER,
    )
    timer = Timer()
    started = time.monotonic()
    model.learn(total_timesteps=steps, callback=timer)
    elapsed = time.monotonic() - started
    timer.update_s += time.monotonic() - (timer.update_started or started)  # the last update
    return {
        "samplers": samplers,
        "envs": envs,
        "env_steps": model.num_timesteps,
        "train_loop_s": round(elapsed, 2),
        "env_steps_per_s": round(model.num_timesteps / elapsed, 1),
        "time_to_target_s": round(timer.reached, 2) if timer.reached is not None else None,
        "final_return": round(timer.ret, 2),
        "update_s": round(timer.update_s, 2),
    }


def ratio(a: float | None, b: float | None) -> float | None:
    """``a / b`` rounded, or None when either side is missing."""
    return round(a / b, 3) if a and b else None


def best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """A side's best figures over its repeats (the least disturbed by other load)."""
    if not runs:
        return {}
    reached = [run["time_to_target_s"] for run in runs if run["time_to_target_s"] is not None]
    return {
        "env_steps_per_s": max(run["env_steps_per_s"] for run in runs),
        "time_to_target_s": min(reached) if reached else None,
        "final_return": max(run["final_return"] for run in runs),
    }


def env_step_s(steps: int = 3000, seed: int = 0) -> float:
    """Seconds per step of the game itself (random moves, no learner): both sides pay it."""
    import numpy as np
    from arenalab.envs.pacman import PacManEnv

    env, rng = PacManEnv(GAME), np.random.default_rng(seed)
    env.reset(seed=seed)
    started = time.perf_counter()
    for _ in range(steps):
        _, _, terminated, truncated, _ = env.step(int(rng.integers(env.action_space.n)))
        if terminated or truncated:
            env.reset()
    return (time.perf_counter() - started) / steps


def fastest(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the most steps/s (the least disturbed), or an empty one."""
    return max(runs, key=lambda run: run["env_steps_per_s"], default={})


def ceiling_vs_sb3(peer: dict[str, Any], env_s: float, samplers: int) -> float | None:
    """The most any PPO could reach here, in SB3's steps/s: the game and the updates alone.

    Both sides do the same update math on every rollout; were everything else free, a
    step would cost SB3's update time per step plus the game's step, split over the
    samplers (each on a core of its own, which 2 cores only just allow).
    """
    if not peer.get("update_s"):
        return None
    per_step = peer["update_s"] / peer["env_steps"] + env_s / samplers
    return round(1 / per_step / peer["env_steps_per_s"], 2)


def compare(ours: dict[str, Any], peer: dict[str, Any]) -> dict[str, float | None]:
    """Ratios arenalab / SB3: steps/s (higher is better) and time to the target (lower is)."""
    return {
        "steps_per_s": ratio(ours.get("env_steps_per_s"), peer.get("env_steps_per_s")),
        "time_to_target": ratio(ours.get("time_to_target_s"), peer.get("time_to_target_s")),
    }


def main() -> None:
    """Run every side for 1 and 2 samplers and write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=80_000, help="Env steps per run.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=2, help="Runs per configuration.")
    args = parser.parse_args()

    import ray
    from arenalab.experiments.algorithm import ON_POLICY_ENVS_PER_RUNNER as ENVS

    ray.init(num_cpus=3, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    sides = {
        "arenalab": lambda samplers: run_arenalab(samplers, args.steps, args.seed),
        "sb3": lambda samplers: run_sb3(samplers, samplers, args.steps, args.seed),
        "sb3_same_envs": lambda samplers: run_sb3(samplers, ENVS * samplers, args.steps, args.seed),
    }
    env_s = env_step_s()
    print(f"the game alone: {env_s * 1e3:.3f} ms per step", flush=True)
    runs: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for _ in range(args.repeats):
        for samplers in (1, 2):
            for side, run in sides.items():
                result = run(samplers)
                print(f"{side:14s}", result, flush=True)
                if result is not None:
                    runs.setdefault((side, samplers), []).append(result)
    ray.shutdown()
    rows = []
    for samplers in (1, 2):
        peer = fastest(runs.get(("sb3", samplers), []))
        bests = {side: best(runs.get((side, samplers), [])) for side in sides}
        rows.append(
            {
                "samplers": samplers,
                "best": bests,
                "vs_sb3": compare(bests["arenalab"], bests["sb3"]),
                "vs_sb3_same_envs": compare(bests["arenalab"], bests["sb3_same_envs"]),
                "ceiling_vs_sb3": ceiling_vs_sb3(peer, env_s, samplers),
                "runs": {side: runs.get((side, samplers), []) for side in sides},
            }
        )
    report = {
        "benchmark": "PPO on arenalab/PacMan-v0, arenalab (RLlib 2.60) vs Stable-Baselines3",
        "game": PacManConfig(**GAME).model_dump(mode="json"),
        "hyperparameters": {**HYPER, "rollout_steps_per_update": ROLLOUT, "hidden": HIDDEN},
        "arenalab_envs_per_runner": ENVS,
        "target_return": TARGET_RETURN,
        "game_step_ms": round(env_s * 1e3, 3),
        "env_steps": args.steps,
        "repeats": args.repeats,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average_1m_at_end": round(os.getloadavg()[0], 1),
        "ratios_are": "arenalab / SB3 (steps/s: higher is better; time to target: lower)",
        "goals": {
            f"{row['samplers']} sampler(s): steps/s >= 2x SB3, time to target <= 1x": (
                (row["vs_sb3"]["steps_per_s"] or 0) >= 2
                and (row["vs_sb3"]["time_to_target"] or 99) <= 1
            )
            for row in rows
        },
        "results": rows,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2))
    for row in rows:
        print(row["samplers"], "samplers, best runs:", row["best"])
        print("  arenalab / SB3:", row["vs_sb3"])
        print("  arenalab / SB3 with as many envs:", row["vs_sb3_same_envs"])
        print("  ceiling (game + updates alone), x SB3's steps/s:", row["ceiling_vs_sb3"])
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
