"""One short ``arenalab train`` as a user runs it: quiet, named, watchable, then listed."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from arenalab.cli import app
from typer.testing import CliRunner

# About a second an iteration (tests/arenalab/training/conftest.py's TINY), no name given.
TINY_YAML = """\
game: {grid_size: 5, num_ghosts: 1, power_pellets: 0, max_steps: 50}
training: {batch_size: 64, buffer_size: 256, episodes: 100000}
run: {hidden_sizes: [16], checkpoint_every: 1, evaluation_episodes: 3}
rllib: {num_epochs: 1}
"""
RAY_NOISE = ("new API stack", "Warning", "core_worker", "\x1b[", "INFO ", "Traceback")


def test_train_is_quiet_named_after_its_file_writes_tensorboard_and_is_listed(
    ray_head, fresh_settings: Path, tmp_path: Path
) -> None:
    """Progress, result and the one warning the user caused; then models/runs ls find it."""
    experiment = tmp_path / "tiny-maze.yaml"
    experiment.write_text(TINY_YAML)
    env = {**os.environ, **ray_head.env, "ARENALAB_DATA_DIR": str(fresh_settings)}
    command = [
        sys.executable,
        "-m",
        "arenalab",
        "train",
        str(experiment),
        "--iterations",
        "1",
        "--env-runners",
        "1",
        "--set",
        "intelligence.train_freq=8",
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert not [noise for noise in RAY_NOISE if noise in output], output
    assert output.count("intelligence.train_freq=8 does not apply to PPO") == 1, output
    assert "target_update" not in output and "learning_starts" not in output  # defaults
    assert re.search(r"^iter +1 ", done.stdout, re.MULTILINE), output
    run_id = re.search(r"finished: run (tiny-maze-\w+)", done.stdout).group(1)
    board = fresh_settings / "runs" / run_id / "tensorboard"
    assert f"tensorboard --logdir {board}" in done.stdout
    (events,) = board.glob("events.out.tfevents.*")
    assert b"episode_return_mean" in events.read_bytes()

    cli = CliRunner()
    models = json.loads(cli.invoke(app, ["models", "ls", "--json"]).output)
    (model,) = models
    assert (model["algorithm"], model["env_id"], model["is_best"]) == (
        "PPO",
        "arenalab/PacMan-v0",
        False,
    )
    assert model["eval_episodes"] == 3 and isinstance(model["score"], float)
    assert model["checkpoint_uri"].startswith(str(fresh_settings / "runs" / run_id))
    table = cli.invoke(app, ["models", "ls"]).output
    assert "PacMan-v0" in table and f"{model['score']:.2f}" in table

    (run,) = json.loads(cli.invoke(app, ["runs", "ls", "--json"]).output)
    assert (run["run_id"], run["experiment"], run["status"]) == (run_id, "tiny-maze", "finished")
    assert run["iterations"] == 1 and run["env_steps"] > 0
    assert run_id in cli.invoke(app, ["runs", "ls"]).output

    scored = cli.invoke(app, ["evaluate", str(model["id"]), "--episodes", "2", "--json"])
    assert scored.exit_code == 0, scored.output
    report = json.loads(scored.output)
    assert report["episodes"] == 2 and set(report["results"]) == {"model", "random", "heuristic"}
    mean = report["results"]["model"]["game"]["mean_return"]
    assert len(repr(mean)) <= 12  # -112.806, never -112.80600000000011
