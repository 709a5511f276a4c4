"""train(): checkpoints, registry records, evaluation, resume, and a clean stop on SIGTERM."""

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from arenalab.cli import app
from arenalab.experiments import build_experiment
from arenalab.registry import Registry
from arenalab.storage import open_storage
from arenalab.training import open_run, train
from PIL import Image
from typer.testing import CliRunner


def test_train_checkpoints_registers_and_resumes(ray_head, settings, tiny_data):
    """Checkpoints, metrics with a periodic evaluation, a learning curve, a scored model."""
    tiny_data["run"].update(evaluation_every=2, periodic_evaluation_episodes=2)
    tiny = build_experiment(tiny_data)
    lines = []
    result = train(tiny, iterations=2, progress=lambda p: lines.append(p.line()))
    assert result.status == "finished" and result.iterations == 2
    assert result.env_steps == 512 and len(lines) == 2 and "steps/s" in lines[0]
    assert result.run_uri.startswith(str(settings.data_dir / "runs" / "tiny-"))
    run = open_run(open_storage(settings), result.run_id)
    assert run.checkpoints() == [1, 2]
    registry = Registry.from_settings(settings)
    session = registry.get_session(result.session_id)
    assert (session.status, session.iterations, session.env_steps) == ("finished", 2, 512)
    first, second = registry.list_metrics(result.session_id)
    assert (first.iteration, second.iteration) == (1, 2)
    assert "evaluation/mean_return" in second.values
    assert "evaluation/mean_return" not in first.values
    assert Path(result.learning_curve_uri).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    [model] = result.models
    row = registry.get_model(model.model_id)
    assert model.eval_return == row.eval_return and row.protocol.startswith("arenalab/PacMan-v0")
    assert row.eval_episodes == 3 and "seed 10000" in row.protocol
    assert not model.is_best  # 3 episodes never decide "best"
    assert registry.best_model(experiment_id=result.experiment_id) is None
    assert result.warnings == []  # tiny sets nothing PPO ignores (defaults never warn)
    assert list(Path(result.tensorboard_dir).glob("events.out.tfevents.*"))

    resumed = train(resume=result.run_id, iterations=1)
    assert resumed.iterations == 3 and resumed.env_steps == 768
    assert resumed.session_id == result.session_id
    assert run.checkpoints() == [1, 2, 3]
    assert [m.iteration for m in registry.list_metrics(result.session_id)] == [1, 2, 3]

    report = CliRunner().invoke(app, ["evaluate", str(model.model_id), "--episodes", "3"])
    assert report.exit_code == 0, report.output
    assert "vs random" in report.output and "heuristic" in report.output, report.output
    assert "3 episodes from seed 10000" in report.output

    gif = settings.data_dir / "watch.gif"
    cli = ["watch", str(model.model_id), "--max-steps", "12", "--out", str(gif)]
    watched = CliRunner().invoke(app, cli)
    assert watched.exit_code == 0 and "episode 1: return" in watched.output, watched.output
    frames = int(re.search(r"\((\d+) frames", watched.output).group(1))
    with Image.open(gif) as image:  # a real animation: the reset, then one frame per step
        assert image.n_frames == frames and 2 <= frames <= 13 and min(image.size) >= 100
    text = CliRunner().invoke(app, ["watch", str(model.model_id), "--ansi", "--max-steps", "2"])
    assert text.exit_code == 0 and 2 <= text.output.count("\x1b[2J") <= 3, text.output


def test_unknown_fighter_is_refused_before_training(ray_head, settings):
    """Training a fighter the registry does not know fails naming it, before any iteration."""
    from arenalab.registry import NotFoundError

    experiment = build_experiment({"environment": "arena", "game": {"fighters": [42]}})
    try:
        train(experiment, iterations=1)
    except NotFoundError as exc:
        assert "fighter 42" in str(exc)
    else:
        raise AssertionError("training an unregistered fighter should fail")


def test_sigterm_finishes_the_iteration_and_checkpoints(ray_head, settings, tmp_path):
    """SIGTERM ends the iteration, checkpoints, pauses the session and prints the resume line."""
    env = {**os.environ, **ray_head.env}
    sets = [
        "training.episodes=100000",
        "resources.num_env_runners=0",
        "run.checkpoint_every=1000",
        "training.buffer_size=256",
    ]
    command = [sys.executable, "-m", "arenalab", "train", "--preset", "rapide"]
    command += [arg for value in sets for arg in ("--set", value)]
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = []
    for line in proc.stdout:
        output.append(line)
        if line.startswith("iter"):
            proc.send_signal(signal.SIGTERM)
            break
    rest, _ = proc.communicate(timeout=120)
    text = "".join(output) + rest
    assert proc.returncode == 0, text
    assert "paused: run" in text and "resume with: arenalab train --resume" in text
    run_id = text.split("paused: run ")[1].split()[0]
    run = open_run(open_storage(settings), run_id)
    assert run.checkpoints(), text
    session = Registry.from_settings(settings).list_sessions()[-1]
    assert session.status == "paused"


def test_multiagent_pacman_registers_one_model_per_role(ray_head, settings, tiny_data):
    """Multi-agent Pac-Man registers a pacman and a ghost model; only pacman is scored."""
    experiment = build_experiment(
        {
            **tiny_data,
            "name": "roles",
            "environment": "multiagent-pacman",
            "training": {**tiny_data["training"], "buffer_size": 128},
        }
    )
    result = train(experiment, iterations=1)
    models = {model.module_id: model for model in result.models}
    assert set(models) == {"pacman", "ghost"}
    assert models["pacman"].eval_return is not None and models["pacman"].margin is not None
    assert models["ghost"].eval_return is None and not models["ghost"].is_best


def test_arena_fighters_get_ratings_from_fights(ray_head, settings, tiny_data):
    """Each arena fighter's model is rated from 1v1 fights against both anchors."""
    registry = Registry.from_settings(settings)
    fighters = [registry.create_fighter(f"f{i}.glb").id for i in range(2)]
    experiment = build_experiment(
        {
            **tiny_data,
            "name": "duel",
            "environment": "arena",
            "game": {"num_fighters": 2, "arena_size": 8.0, "fighters": fighters, "max_steps": 50},
        }
    )
    result = train(experiment, iterations=1)
    assert {model.fighter_id for model in result.models} == set(fighters)
    for model in result.models:
        row = registry.get_model(model.model_id)
        assert row.rating == row.rating_mu - 3 * row.rating_sigma and row.rating_sigma < 25 / 3
        league = row.metrics["evaluation"]["records"]["model"]
        assert set(league) == {"random", "heuristic"}
        assert all(sum(r[k] for k in ("wins", "draws", "losses")) == 3 for r in league.values())
        assert not row.is_best  # 3 fights never decide "best"
