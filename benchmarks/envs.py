"""Single-env step rate of every arenalab env against Gymnasium's CartPole-v1, same run.

Each env is stepped with pre-drawn random actions (fixed seeds) on its ``.unwrapped``
instance, resetting (unseeded) whenever an episode ends, so the numbers include the
reset cost a training loop pays. Every round times CartPole and then each env, so a
ratio is taken between measurements seconds apart; the reported ratio is the median
over rounds, which filters out noise from other work on a shared machine (absolute
times are the best round).
Goals: Pac-Man (grid 10, 2 ghosts) at most 3x CartPole's time per step; the
4-fighter arena at most 3x per agent-step.

Run: ``python benchmarks/envs.py [--steps N] [--rounds R]``; writes
``benchmarks/results/envs.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import arenalab.envs as envs
import gymnasium as gym

RESULTS = Path(__file__).parent / "results" / "envs.json"
GOAL_RATIO = 3.0


def single_agent_runner(env: gym.Env, steps: int, seed: int) -> Callable[[], float]:
    """A closure timing ``steps`` random steps of a single-agent env; returns seconds."""
    space = env.action_space
    space.seed(seed)
    actions = [space.sample() for _ in range(1000)]

    def run() -> float:
        env.reset(seed=seed)
        step, reset = env.step, env.reset
        start = time.perf_counter()
        for i in range(steps):
            _, _, terminated, truncated, _ = step(actions[i % 1000])
            if terminated or truncated:
                reset()
        return time.perf_counter() - start

    return run


def multi_agent_runner(env: Any, steps: int, seed: int) -> Callable[[], float]:
    """A closure timing ``steps`` random multi-agent steps (every agent acts); seconds."""
    spaces = env.action_spaces
    for offset, space in enumerate(spaces.values()):
        space.seed(seed + offset)
    actions = [{agent: space.sample() for agent, space in spaces.items()} for _ in range(1000)]

    def run() -> float:
        env.reset(seed=seed)
        start = time.perf_counter()
        for i in range(steps):
            chosen = actions[i % 1000]
            _, _, terminateds, truncateds, _ = env.step({a: chosen[a] for a in env.agents})
            if terminateds["__all__"] or truncateds["__all__"]:
                env.reset()
        return time.perf_counter() - start

    return run


def cases(steps: int) -> dict[str, tuple[Callable[[], float], int]]:
    """Name -> (runner, agents per step)."""
    cartpole = gym.make("CartPole-v1").unwrapped
    pacman = gym.make("arenalab/PacMan-v0", grid_size=10, num_ghosts=2).unwrapped
    pacman_big = gym.make("arenalab/PacMan-v0", grid_size=21, num_ghosts=4).unwrapped
    arena = gym.make("arenalab/Arena-v0", num_fighters=4, opponent_policy="random").unwrapped
    duel = gym.make("arenalab/Arena-v0", num_fighters=2, opponent_policy="heuristic").unwrapped
    arena_ma = envs.make_env("arenalab/MultiAgentArena-v0", {"num_fighters": 4})
    arena_ma8 = envs.make_env("arenalab/MultiAgentArena-v0", {"num_fighters": 8})
    pacman_ma = envs.make_env("arenalab/MultiAgentPacMan-v0", {"grid_size": 10, "num_ghosts": 2})
    return {
        "CartPole-v1": (single_agent_runner(cartpole, steps, 0), 1),
        "PacMan-v0 (grid 10, 2 ghosts)": (single_agent_runner(pacman, steps, 0), 1),
        "PacMan-v0 (grid 21, 4 ghosts)": (single_agent_runner(pacman_big, steps, 0), 1),
        "MultiAgentPacMan-v0 (grid 10, 2 ghosts)": (multi_agent_runner(pacman_ma, steps, 0), 3),
        "Arena-v0 (4 fighters, random opponents)": (single_agent_runner(arena, steps, 0), 1),
        "Arena-v0 (2 fighters, heuristic opponent)": (single_agent_runner(duel, steps, 0), 1),
        "MultiAgentArena-v0 (4 fighters)": (multi_agent_runner(arena_ma, steps, 0), 4),
        "MultiAgentArena-v0 (8 fighters)": (multi_agent_runner(arena_ma8, steps, 0), 8),
    }


def main() -> None:
    """Measure, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5_000, help="steps per round")
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds")
    args = parser.parse_args()
    runners = cases(args.steps)
    seconds: dict[str, list[float]] = {name: [] for name in runners}
    for round_number in range(args.rounds):
        for name, (run, _) in runners.items():
            seconds[name].append(run())
        print(f"round {round_number + 1}/{args.rounds} done", flush=True)

    results = {}
    for name, (_, agents) in runners.items():
        best = min(seconds[name]) / args.steps
        ratio = statistics.median(
            t / base for t, base in zip(seconds[name], seconds["CartPole-v1"], strict=True)
        )
        results[name] = {
            "agents_per_step": agents,
            "us_per_step": best * 1e6,
            "us_per_step_median": statistics.median(seconds[name]) / args.steps * 1e6,
            "steps_per_s": 1.0 / best,
            "agent_steps_per_s": agents / best,
            "ratio_vs_cartpole": ratio,
            "ratio_per_agent_step": ratio / agents,
        }
    goals = {
        "pacman_grid10_2ghosts_step": results["PacMan-v0 (grid 10, 2 ghosts)"]["ratio_vs_cartpole"],
        "arena_4_fighters_agent_step": results["MultiAgentArena-v0 (4 fighters)"][
            "ratio_per_agent_step"
        ],
    }
    report = {
        "benchmark": "envs",
        "steps_per_round": args.steps,
        "rounds": args.rounds,
        "statistic": "times: best round; ratios: median of per-round ratios to CartPole",
        "machine": {
            "python": platform.python_version(),
            "cpu": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
        },
        "results": results,
        "goals": {
            key: {"ratio": ratio, "target": GOAL_RATIO, "met": ratio <= GOAL_RATIO}
            for key, ratio in goals.items()
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")

    header = f"{'env':<42} {'us/step':>8} {'steps/s':>9} {'x CartPole':>10} {'x /agent':>9}"
    print(header)
    print("-" * len(header))
    for name, row in results.items():
        print(
            f"{name:<42} {row['us_per_step']:>8.1f} {row['steps_per_s']:>9.0f} "
            f"{row['ratio_vs_cartpole']:>10.2f} {row['ratio_per_agent_step']:>9.2f}"
        )
    for key, goal in report["goals"].items():
        verdict = "met" if goal["met"] else "NOT met"
        print(f"goal {key}: {goal['ratio']:.2f}x <= {GOAL_RATIO}x {verdict}")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
