"""Sweeps on the test Ray head with tiny budgets: end to end, ASHA, kill and resume."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from arenalab.registry import Registry
from arenalab.settings import Settings, load_settings
from arenalab.storage import open_storage
from arenalab.sweeps import SweepDir, load_sweep, run_sweep, write_report

from tests.conftest import RayHead

pytestmark = pytest.mark.slow
ARENALAB = str(Path(sys.executable).parent / "arenalab")
TINY_BASE = {
    "preset": "rapide",  # 7x7 maze, one ghost, 100-step episodes
    "values": {
        "name": "tiny-pacman",
        "run": {"hidden_sizes": [16], "evaluation_episodes": 2},
        "training": {"batch_size": 100, "buffer_size": 200, "episodes": 10_000},
        "rllib": {"num_epochs": 1},
    },
}


def sweep_file(tmp_path: Path, name: str, **fields: Any) -> Path:
    """A PPO sweep on the tiny Pac-Man: 200 env steps per iteration, 1 CPU per trial."""
    data = {"name": name, "base": TINY_BASE, "algorithm": "PPO", **fields}
    data.setdefault("resources", {"num_env_runners": 0})
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def settings(data_dir: Path, ray_head: RayHead) -> Settings:
    """This test's private data dir and storage, on the shared test Ray head."""
    return load_settings()


def trial_dirs(sweep: SweepDir) -> list[Path]:
    """The trial folders Tune wrote (one per trial)."""
    return sorted(p for p in Path(sweep.uri).iterdir() if p.is_dir())


def test_two_trial_sweep_registers_the_best_model(tmp_path: Path, settings: Settings) -> None:
    """A 2-trial sweep ranks both trials, registers and scores the top one, and reports."""
    plan = load_sweep(
        sweep_file(
            tmp_path,
            "e2e",
            search={"intelligence.exploration_rate": {"grid": [0.0, 0.1]}},
            stop={"training_iteration": 2},
            max_concurrent_trials=2,
        )
    )
    outcome = run_sweep(plan, settings=settings)

    assert [row.status for row in outcome.trials] == ["TERMINATED", "TERMINATED"]
    assert all(row.iterations == 2 for row in outcome.trials)
    assert {row.params["intelligence.exploration_rate"] for row in outcome.trials} == {0.0, 0.1}
    best = outcome.best
    assert best is not None and best.metric == max(row.metric for row in outcome.trials)
    [model] = outcome.models
    registry = Registry.from_settings(settings)
    row = registry.get_model(model.model_id)
    assert row.protocol is not None and "2 episodes from seed 10000" in row.protocol
    assert not row.is_best and registry.best_model(experiment_id=outcome.experiment_id) is None
    assert (row.sweep, row.trial, row.checkpoint_uri) == ("e2e", best.trial_id, best.checkpoint_uri)
    assert row.eval_return is not None and row.metrics["params"] == best.params
    for trial in trial_dirs(SweepDir(open_storage(settings), "e2e")):  # TensorBoard's input
        assert list(trial.glob("events.out.tfevents.*")), trial

    report = write_report("e2e", out_dir=tmp_path / "report", settings=settings)
    assert Path(report.png_uri).read_bytes().startswith(b"\x89PNG")
    lines = Path(report.csv_uri).read_text().splitlines()
    assert len(lines) == 3 and lines[1].split(",")[1] == best.trial_id
    assert all(len(trial.history) == 2 for trial in report.trials)


def test_asha_stops_the_clearly_worse_trial_early(tmp_path: Path, settings: Settings) -> None:
    """ASHA stops the trial whose episodes are capped at 5 steps after its grace period.

    The metric is the episode length; with no ghosts an episode only ends when the maze
    is cleared (far more than 5 steps) or at ``game.max_steps``, so the 5-step trial is
    worse at every rung, whatever the policy learns: no flakiness.
    """
    base = {**TINY_BASE, "values": {**TINY_BASE["values"], "game": {"num_ghosts": 0}}}
    plan = load_sweep(
        sweep_file(
            tmp_path,
            "asha",
            base=base,
            search={"game.max_steps": {"grid": [100, 5]}},
            metric="env_runners/episode_len_mean",
            scheduler={"type": "asha", "max_t": 3, "grace_period": 1, "reduction_factor": 2},
            stop={"training_iteration": 3},
            max_concurrent_trials=1,
        )
    )
    outcome = run_sweep(plan, settings=settings)
    iterations = {row.params["game.max_steps"]: row.iterations for row in outcome.trials}
    assert iterations == {100: 3, 5: 1}
    assert outcome.best is not None and outcome.best.params == {"game.max_steps": 100}


def trial_states(sweep: SweepDir) -> dict[str, tuple[str, int]]:
    """Trial id -> (status, last iteration) from Tune's saved experiment state."""
    from ray.tune import ExperimentAnalysis

    try:
        analysis = ExperimentAnalysis(sweep.uri)
    except (ValueError, FileNotFoundError):  # no state saved yet
        return {}
    return {
        trial.trial_id: (trial.status, (trial.last_result or {}).get("training_iteration", 0))
        for trial in analysis.trials
    }


def resume_sweep(name: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """``arenalab sweep --resume NAME``, checked to exit 0 and register a model."""
    resumed = subprocess.run(
        [ARENALAB, "sweep", "--resume", name], env=env, capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    assert "registered model" in resumed.stdout
    return resumed


def result_rows(trial_dir: Path) -> list[dict]:
    """The results a trial reported, in order (Tune's result.json, one JSON per line)."""
    import json

    lines = (trial_dir / "result.json").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_killed_sweep_resumes_without_redoing_finished_trials(
    tmp_path: Path, ray_head: RayHead, data_dir: Path
) -> None:
    """SIGKILL `arenalab sweep` after trial 1 finished; --resume finishes trial 2 only.

    Trial 1 stops after 4 episodes (its own ``training.episodes``), trial 2 after 150
    (about 30 iterations), one at a time, checkpointing every iteration. The kill comes
    once Tune's saved state shows trial 1 finished and trial 2 at least two iterations in.
    """
    path = sweep_file(
        tmp_path,
        "killed",
        search={"training.episodes": {"grid": [4, 150]}},
        stop={"training_iteration": 200},
        max_concurrent_trials=1,
        # Keep all: Tune may delete a checkpoint its last saved state still points at.
        checkpoint={"frequency": 1},
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ARENALAB_")}
    # Tune saves its experiment state every TUNE_GLOBAL_CHECKPOINT_S (default >= 10 s).
    env = {**clean, **ray_head.env, "ARENALAB_DATA_DIR": str(data_dir)}
    env["TUNE_GLOBAL_CHECKPOINT_S"] = "1"
    sweep = SweepDir(open_storage(load_settings(data_dir=data_dir)), "killed")
    log = (tmp_path / "first.log").open("w")
    proc = subprocess.Popen(
        [ARENALAB, "sweep", str(path)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 240
    states: dict[str, tuple[str, int]] = {}
    while time.monotonic() < deadline and proc.poll() is None:
        states = trial_states(sweep)
        # Saved state shows a running trial as PENDING (what it becomes on restore).
        by_status = {status: iteration for status, iteration in states.values()}
        if len(by_status) == 2 and "TERMINATED" in by_status and max(by_status.values()) >= 2:
            break
        time.sleep(0.5)
    assert proc.poll() is None, f"sweep ended before the kill; last seen {states}"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert sorted(s for s, _ in states.values()) == ["PENDING", "TERMINATED"], states
    first, second = sorted(states)
    first_dir, second_dir = (next(sweep_dirs(sweep, trial)) for trial in (first, second))
    rows_before = result_rows(first_dir)

    resumed = resume_sweep("killed", env)

    assert result_rows(first_dir) == rows_before  # trial 1 was not run again
    final = trial_states(sweep)
    assert {status for status, _ in final.values()} == {"TERMINATED"}, (final, resumed.stdout)
    second_rows = result_rows(second_dir)
    last = second_rows[-1]
    assert last["env_runners"]["num_episodes_lifetime"] >= 150
    # Trial 2 continued from a checkpoint: fewer iterations since restore than in total.
    assert last["iterations_since_restore"] < last["training_iteration"]


def sweep_dirs(sweep: SweepDir, trial_id: str) -> Any:
    """The folder of one trial, found by its id."""
    return (p for p in Path(sweep.uri).iterdir() if p.is_dir() and trial_id in p.name)


def reported(log: Path) -> dict[str, int]:
    """Trial id -> last iteration it reported, from the live progress lines."""
    lines = re.findall(r"^(\S+)  iter +(\d+)  ", log.read_text(), re.MULTILINE)
    return {trial: int(iteration) for trial, iteration in lines}


def test_ctrl_c_checkpoints_the_running_trial_and_resume_registers_the_best(
    tmp_path: Path, ray_head: RayHead, data_dir: Path
) -> None:
    """Ctrl-C: the running trial checkpoints, exit 130, the resume line, no model; then resume.

    The file asks for 3 trials of 50 iterations, checkpointed only at the end;
    ``--max-trials 2 --iterations 4`` makes it 2 trials of 4, one at a time. The SIGINT
    comes after trial 1 reported its first iteration, so any checkpoint it has before
    its end is the one the interrupt forced; ``--resume`` must continue from it.
    """
    from ray.tune import ExperimentAnalysis

    path = sweep_file(
        tmp_path,
        "ctrl-c",
        search={"intelligence.exploration_rate": {"grid": [0.0, 0.1, 0.2]}},
        stop={"training_iteration": 50},
        max_concurrent_trials=1,
        checkpoint={"frequency": 0},
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ARENALAB_")}
    env = {**clean, **ray_head.env, "ARENALAB_DATA_DIR": str(data_dir)}
    sweep = SweepDir(open_storage(load_settings(data_dir=data_dir)), "ctrl-c")
    log_path = tmp_path / "first.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [ARENALAB, "sweep", str(path), "--max-trials", "2", "--iterations", "4"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None and not reported(log_path):
            time.sleep(0.3)
        assert proc.poll() is None, log_path.read_text()[-3000:]
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends
        proc.wait(timeout=180)
    out = log_path.read_text()
    assert proc.returncode == 130, out[-3000:]
    assert "small sweep: 2 trials, at most 4 iterations each" in out
    assert re.search(r"_0000\d  iter +1  episode_return_mean=\S+  elapsed .*errored 0, of 2", out)
    assert "resume with: arenalab sweep --resume ctrl-c" in out
    assert Registry.from_settings(load_settings(data_dir=data_dir)).list_models() == []
    table = [line for line in out.splitlines() if "_0000" in line and "│" in line]
    assert len(table) == 1 and "interrupted" in table[0], out  # Tune adds trial 2 lazily
    assert "1 trial(s) checkpointed mid-run, 1 not started, of 2" in out

    analysis = ExperimentAnalysis(sweep.uri)
    saved = {trial.trial_id: trial for trial in analysis.trials}
    [started] = saved.values()
    assert started.status == "PENDING"  # what Tune saves for a running trial
    forced = started.latest_checkpoint_result
    assert forced is not None, "the interrupt forced no checkpoint"
    at = forced.metrics["training_iteration"]
    assert 1 <= at < 4

    resume_sweep("ctrl-c", env)
    assert len(Registry.from_settings(load_settings(data_dir=data_dir)).list_models()) == 1
    final = trial_states(sweep)
    assert sorted(final.values()) == [("TERMINATED", 4), ("TERMINATED", 4)], final
    rows = result_rows(next(sweep_dirs(sweep, started.trial_id)))
    restored = [row for row in rows if row["iterations_since_restore"] < row["training_iteration"]]
    assert restored[0]["training_iteration"] == at + 1  # continued from it, not restarted
