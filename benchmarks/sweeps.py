"""Sweep throughput: trials completed per hour for one fixed small sweep, 1 vs N at a time.

The sweep is a 4-point grid of PPO on the tiny Pac-Man (``rapide`` preset, 200 env
steps per iteration, no env runners: one CPU per trial), timed with short trials (5
iterations: trial start-up dominates) and longer ones (30: training dominates), run
end to end through :func:`arenalab.sweeps.run_sweep` exactly as ``arenalab sweep`` runs
it (trial start-up, checkpoints, ranking and the best model's evaluation included) in a
private data folder. Each concurrency is timed ``--rounds`` times, alternating, and the
best round is kept (the machine is shared; the fastest round is the least disturbed).
The ratio says how well trials overlap: 2.0 would be perfect scaling on 2 cores.

Run: ``python benchmarks/sweeps.py [--concurrency 1 2] [--iterations 5 30] [--rounds 1]``;
starts a local Ray with as many CPUs as the highest concurrency (or joins
``ARENALAB_RAY_ADDRESS``), writes ``benchmarks/results/sweeps.json``, prints a table.
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
TRIALS = 4
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
    "checkpoint": {"frequency": 0},
    "resources": {"num_env_runners": 0},
}


def time_sweep(concurrency: int, iterations: int, folder: Path, index: int) -> float:
    """Seconds to run the whole sweep with ``concurrency`` trials at a time."""
    name = f"bench-{iterations}-{concurrency}-{index}"
    path = folder / f"{name}.yaml"
    data = {**SWEEP, "max_concurrent_trials": concurrency}
    data["stop"] = {"training_iteration": iterations}
    path.write_text(yaml.safe_dump(data))
    settings = load_settings(data_dir=folder / "data", storage="")
    start = time.perf_counter()
    outcome = run_sweep(load_sweep(path), name=name, settings=settings)
    seconds = time.perf_counter() - start
    done = [row for row in outcome.trials if row.iterations == iterations]
    if len(done) != TRIALS:
        raise RuntimeError(f"only {len(done)} of {TRIALS} trials completed: {outcome.trials}")
    return seconds


def main() -> None:
    """Time each trial length and concurrency, write the JSON, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--iterations", type=int, nargs="+", default=[5, 30])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()

    import ray

    address = os.environ.get("ARENALAB_RAY_ADDRESS")
    if address:
        ray.init(address=address, log_to_driver=False, logging_level="ERROR")
    else:
        ray.init(num_cpus=max(args.concurrency), include_dashboard=False, log_to_driver=False)
    best: dict[tuple[int, int], float] = {}
    with tempfile.TemporaryDirectory(prefix="arenalab-bench-sweeps-") as tmp:
        for index in range(args.rounds):
            for iterations in args.iterations:
                for concurrency in args.concurrency:
                    seconds = time_sweep(concurrency, iterations, Path(tmp), index)
                    key = (iterations, concurrency)
                    best[key] = min(best.get(key, seconds), seconds)
    cpus = int(ray.cluster_resources().get("CPU", 0))
    ray.shutdown()

    low, high = min(args.concurrency), max(args.concurrency)
    runs = {}
    for iterations in args.iterations:
        rows = {
            str(c): {
                "seconds": round(best[iterations, c], 1),
                "trials_per_hour": round(TRIALS * 3600 / best[iterations, c], 1),
            }
            for c in sorted(args.concurrency)
        }
        ratio = best[iterations, low] / best[iterations, high]
        runs[f"{iterations}_iterations"] = {
            "by_concurrency": rows,
            f"throughput_ratio_{high}_vs_{low}": round(ratio, 2),
        }
    result = {
        "benchmark": "sweep throughput",
        "sweep": f"{TRIALS} PPO trials, tiny Pac-Man (200 env steps/iteration), 1 CPU per trial",
        "machine": {"host": platform.node(), "cpus": os.cpu_count(), "ray_cpus": cpus},
        "rounds": args.rounds,
        "runs": runs,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'iterations':>10} {'concurrent':>10} {'seconds':>8} {'trials/hour':>12}")
    for run, data in runs.items():
        for concurrency, row in data["by_concurrency"].items():
            print(
                f"{run.split('_')[0]:>10} {concurrency:>10} {row['seconds']:>8} "
                f"{row['trials_per_hour']:>12}"
            )
        ratio = data[f"throughput_ratio_{high}_vs_{low}"]
        print(f"{run}: throughput ratio {high} vs {low} concurrent = {ratio:.2f}x")
    print(f"-> {RESULTS}")


if __name__ == "__main__":
    main()
