"""benchmarks/learning.py: rerunning one file (or side) keeps the report's other rows."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_benchmark():
    """The benchmark script as a module (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location("learning", ROOT / "benchmarks" / "learning.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(experiment: str, side: str, mean_return: float) -> dict:
    """One run's row, with only what merging reads."""
    return {"experiment": experiment, "side": side, "final": {"mean_return": mean_return}}


def test_only_replaces_the_rerun_files_runs_and_keeps_the_rest(tmp_path: Path) -> None:
    """--only pacman-dqn --sides arenalab: other rows stay, arenalab DQN's is the new one."""
    learning = load_benchmark()
    report = tmp_path / "learning.json"
    earlier = [
        {
            "task": "pacman",
            "baselines": {"random": {"mean_return": -64.9}},
            "runs": [
                run("pacman-ppo", "arenalab", 71.0),
                run("pacman-dqn", "arenalab", 40.0),
                run("pacman-dqn", "sb3", 30.0),
            ],
        },
        {"task": "arena", "baselines": {}, "runs": [run("arena-league", "arenalab", 1.0)]},
    ]
    report.write_text(json.dumps({"tasks": earlier}))
    fresh = [{"task": "pacman", "baselines": {}, "runs": [run("pacman-dqn", "arenalab", 55.0)]}]

    merged = learning.keep_earlier_runs(fresh, report)

    pacman, arena = merged
    assert [(r["experiment"], r["side"], r["final"]["mean_return"]) for r in pacman["runs"]] == [
        ("pacman-ppo", "arenalab", 71.0),
        ("pacman-dqn", "sb3", 30.0),
        ("pacman-dqn", "arenalab", 55.0),
    ]
    assert pacman["baselines"] == {"random": {"mean_return": -64.9}}
    assert arena == earlier[1]
