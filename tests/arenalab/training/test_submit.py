"""``arenalab submit train``: a 1-iteration Ray job on the local head registers a model."""

import os
import subprocess
import sys

import pytest
from arenalab.registry import Registry


@pytest.mark.slow
def test_submit_train_runs_as_a_ray_job_and_registers_a_model(ray_head, settings):
    """Submit train runs as a ray job and registers a model."""
    env = {**os.environ, **ray_head.env}
    command = [sys.executable, "-m", "arenalab", "submit", "train", "--preset", "rapide",
               "--set", "resources.num_env_runners=0", "--set", "training.buffer_size=256",
               "--iterations", "1", "--address", ray_head.dashboard_url, "--wait"]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=480)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCEEDED" in done.stdout and "finished: run" in done.stdout
    [model] = Registry.from_settings(settings).list_models()
    assert model.eval_return is not None and model.is_best
    assert model.checkpoint_uri.startswith(str(settings.data_dir / "runs"))
