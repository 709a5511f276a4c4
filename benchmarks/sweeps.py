"""Sweep throughput: trials completed per hour for one fixed small sweep, 1 vs N at a time.

The sweep is a 4-point grid of PPO on the tiny Pac-Man (``rapide`` preset, 200 env
steps per iteration, 5 iterations per trial, no env runners: one CPU per trial), run
end to end through :func:`arenalab.sweeps.run_sweep` exactly as ``arenalab sweep`` runs
it (trial start-up, checkpoints, ranking and the best model's evaluation included) in a
private data folder. Each concurrency is timed ``--rounds`` times, alternating, and the
best round is kept (the machine is shared; the fastest round is the least disturbed).
The ratio says how well trials overlap: 2.0 would be perfect scaling on 2 cores.

Run: ``python benchmarks/sweeps.py [--concurrency 1 2] [--rounds 1]``; starts a local Ray
with as many CPUs as the highest concurrency (or joins ``ARENALAB_RAY_ADDRESS``), writes
``benchmarks/results/sweeps.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from arenalab.settings import load_settings
from arenalab.sweeps import load_sweep, run_sweep

RESULTS = Path(__file__).parent / "results" / "sweeps.json"
TRIALS, ITERATIONS = 4, 5
SWEEP: dict[str, Any] = {
    "name": "bench",
    "base": {
        "preset": "rapide",
        "values": {
            "name": "bench-pacman",
            "run": {"hidden_sizes": [32, 32], "evaluation_episodes": 3},
            "training": {"batch_size": 100, "buffer_size": 200, "episodes": 1_000_000},
            "rllib": {"num_epochs": 1},
        },
    },
    "algorithm": "PPO",
    "search": {"training.learning_rate": {"grid": [1e-4, 3e-4, 1e-3, 3e-3][:TRIALS]}},
    "stop": {"training_iteration": ITERATIONS},
    "checkpoint": {"frequency": 0},
    "resources": {"num_env_runners": 0},
}


def time_sweep(concurrency: int, folder: Path, index: int) -> float:
    """Seconds to run the whole sweep with ``concurrency`` trials at a time."""
    path = folder / f"sweep-{concurrency}-{index}.yaml"
    path.write_text(yaml.safe_dump({**SWEEP, "max_concurrent_trials": concurrency}))
    settings = load_settings(data_dir=folder / "data", storage="")
    start = time.perf_counter()
    outcome = run_sweep(load_sweep(path), name=f"bench-{concurrency}-{index}", settings=settings)
    seconds = time.perf_counter() - start
    done = [row for row in outcome.trials if row.iterations == ITERATIONS]
    if len(done) != TRIALS:
        raise RuntimeError(f"only {len(done)} of {TRIALS} trials completed: {outcome.trials}")
    return seconds


def main() -> None:
    """Time each concurrency, write the JSON, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()

    import ray

    address = os.environ.get("ARENALAB_RAY_ADDRESS")
    if address:
        ray.init(address=address, log_to_driver=False, logging_level="ERROR")
    else:
        ray.init(num_cpus=max(args.concurrency), include_dashboard=False, log_to_driver=False)
    best: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="arenalab-bench-sweeps-") as tmp:
        for index in range(args.rounds):
            for concurrency in args.concurrency:
                seconds = time_sweep(concurrency, Path(tmp), index)
                best[concurrency] = min(best.get(concurrency, seconds), seconds)
    cpus = int(ray.cluster_resources().get("CPU", 0))
    ray.shutdown()

    rows = {
        str(c): {"seconds": round(s, 1), "trials_per_hour": round(TRIALS * 3600 / s, 1)}
        for c, s in sorted(best.items())
    }
    low, high = min(best), max(best)
    ratio = best[low] / best[high]
    result = {
        "benchmark": "sweep throughput (issue 9)",
        "sweep": f"{TRIALS} PPO trials x {ITERATIONS} iterations, tiny Pac-Man, 1 CPU per trial",
        "machine": {"host": platform.node(), "cpus": os.cpu_count(), "ray_cpus": cpus},
        "rounds": args.rounds,
        "by_concurrency": rows,
        f"speedup_{high}_vs_{low}": round(ratio, 2),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'concurrent':>10} {'seconds':>8} {'trials/hour':>12}")
    for concurrency, row in rows.items():
        print(f"{concurrency:>10} {row['seconds']:>8} {row['trials_per_hour']:>12}")
    print(f"throughput ratio {high} vs {low} concurrent: {ratio:.2f}x  -> {RESULTS}")


if __name__ == "__main__":
    main()
