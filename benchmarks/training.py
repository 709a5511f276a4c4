"""PPO on Pac-Man: arenalab (RLlib) vs Stable-Baselines3, same hyperparameters and env steps.

Measures, for 1 and 2 parallel samplers (RLlib env runners / SB3 vectorized envs), the
env steps per second over the whole training loop and the wall time until the mean
training-episode return first reaches ``TARGET_RETURN``; writes
``benchmarks/results/training.json`` with the ratios (arenalab / SB3).

On a shared machine other processes' load swings the timings by 5x between runs, so
each configuration runs ``--repeats`` times, alternating sides, and the ratios use
each side's best run (highest steps/s, shortest time to target); every run is kept.

The peer is installed only for this benchmark::

    .venv/bin/pip install stable-baselines3

Without it the SB3 rows are skipped with a message. Run: ``.venv/bin/python benchmarks/training.py``
(about 5 minutes on 2 cores; ``--steps`` changes the budget).
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

GAME = {"grid_size": 7, "num_ghosts": 0, "power_pellets": 1, "max_steps": 100}
TARGET_RETURN = 30.0
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
            "resources": {"num_env_runners": samplers},
            "run": {"hidden_sizes": HIDDEN, "checkpoint_every": 10_000, "evaluation_episodes": 1},
            "rllib": {
                "num_epochs": HYPER["n_epochs"],
                "lambda_": HYPER["gae_lambda"],
                "clip_param": HYPER["clip_range"],
                "vf_loss_coeff": HYPER["vf_coef"],
                "grad_clip": HYPER["max_grad_norm"],
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
        "env_steps": last["steps"],
        "train_loop_s": round(last["elapsed"], 2),
        "env_steps_per_s": round(last["steps"] / last["elapsed"], 1),
        "time_to_target_s": round(reached[0], 2) if reached else None,
        "final_return": round(last["ret"], 2),
        "total_s_incl_setup_and_eval": round(time.monotonic() - started, 2),
    }


def run_sb3(samplers: int, steps: int, seed: int) -> dict[str, Any] | None:
    """Train SB3 PPO on the same env and hyperparameters; None if SB3 is not installed."""
    try:
        from stable_baselines3 import PPO
        from stable_baselines3.common.callbacks import BaseCallback
        from stable_baselines3.common.env_util import make_vec_env
    except ImportError:
        print("stable-baselines3 is not installed: pip install stable-baselines3 (skipping peer)")
        return None
    from arenalab.envs.pacman import PacManEnv

    class Timer(BaseCallback):
        def __init__(self) -> None:
            super().__init__()
            self.reached: float | None = None
            self.ret = 0.0

        def _on_training_start(self) -> None:
            self.started = time.monotonic()

        def _on_rollout_end(self) -> None:
            infos = self.model.ep_info_buffer
            if infos:
                self.ret = sum(info["r"] for info in infos) / len(infos)
                if self.reached is None and self.ret >= TARGET_RETURN:
                    self.reached = time.monotonic() - self.started

        def _on_step(self) -> bool:
            return True

    env = make_vec_env(lambda: PacManEnv(GAME), n_envs=samplers, seed=seed)
    hyper = {key: value for key, value in HYPER.items()}
    model = PPO(
        "MlpPolicy",
        env,
        n_steps=ROLLOUT // samplers,
        seed=seed,
        verbose=0,
        device="cpu",
        policy_kwargs={"net_arch": {"pi": HIDDEN, "vf": HIDDEN}},
        **hyper,
    )
    timer = Timer()
    started = time.monotonic()
    model.learn(total_timesteps=steps, callback=timer)
    elapsed = time.monotonic() - started
    return {
        "samplers": samplers,
        "env_steps": model.num_timesteps,
        "train_loop_s": round(elapsed, 2),
        "env_steps_per_s": round(model.num_timesteps / elapsed, 1),
        "time_to_target_s": round(timer.reached, 2) if timer.reached is not None else None,
        "final_return": round(timer.ret, 2),
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


def main() -> None:
    """Run both sides for 1 and 2 samplers and write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30_000, help="Env steps per run.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=2, help="Runs per configuration.")
    args = parser.parse_args()

    import ray

    ray.init(num_cpus=3, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    runs: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for _ in range(args.repeats):
        for samplers in (1, 2):
            ours = run_arenalab(samplers, args.steps, args.seed)
            print("arenalab", ours, flush=True)
            runs.setdefault(("arenalab", samplers), []).append(ours)
            peer = run_sb3(samplers, args.steps, args.seed)
            print("sb3     ", peer, flush=True)
            if peer is not None:
                runs.setdefault(("sb3", samplers), []).append(peer)
    rows = []
    for samplers in (1, 2):
        ours, peer = best(runs[("arenalab", samplers)]), best(runs.get(("sb3", samplers), []))
        rows.append(
            {
                "samplers": samplers,
                "arenalab_best": ours,
                "sb3_best": peer,
                "steps_per_s_ratio": ratio(ours["env_steps_per_s"], peer.get("env_steps_per_s")),
                "time_to_target_ratio": ratio(
                    ours["time_to_target_s"], peer.get("time_to_target_s")
                ),
                "arenalab_runs": runs[("arenalab", samplers)],
                "sb3_runs": runs.get(("sb3", samplers), []),
            }
        )
    ray.shutdown()
    report = {
        "benchmark": "PPO on arenalab/PacMan-v0, arenalab (RLlib 2.60) vs Stable-Baselines3",
        "game": GAME,
        "hyperparameters": {**HYPER, "rollout_steps_per_update": ROLLOUT, "hidden": HIDDEN},
        "target_return": TARGET_RETURN,
        "env_steps": args.steps,
        "repeats": args.repeats,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs (shared)",
        "load_average_1m_at_end": round(os.getloadavg()[0], 1),
        "ratios_are": "arenalab / SB3 (steps/s: higher is better; time to target: lower)",
        "results": rows,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2))
    for row in rows:
        steps, time_ = row["steps_per_s_ratio"], row["time_to_target_ratio"]
        print(row["samplers"], "samplers, best runs:", row["arenalab_best"], row["sb3_best"])
        print(f"  ratios arenalab/SB3: steps/s {steps}, time to target {time_}")


if __name__ == "__main__":
    main()
