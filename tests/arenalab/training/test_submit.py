"""Training as a Ray job on the local head: ``arenalab submit train`` and the raw line."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from arenalab.experiments import save_experiment
from arenalab.registry import Registry


@pytest.mark.slow
def test_submit_train_runs_as_a_ray_job_and_registers_a_model(ray_head, settings):
    """With no ARENALAB_* set, the job's run and model land in the caller's ./data."""
    env = {**os.environ, **ray_head.env}
    del env["ARENALAB_DATA_DIR"]  # the default: ./data under the caller's folder
    command = [
        sys.executable,
        "-m",
        "arenalab",
        "submit",
        "train",
        "--preset",
        "rapide",
        "--set",
        "resources.num_env_runners=0",
        "--set",
        "training.buffer_size=256",
        "--iterations",
        "1",
        "--address",
        ray_head.dashboard_url,
        "--wait",
    ]
    done = subprocess.run(
        command, env=env, cwd=settings.data_dir.parent, capture_output=True, text=True, timeout=480
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCEEDED" in done.stdout and "finished: run" in done.stdout
    [model] = Registry.from_settings(settings).list_models()
    assert model.eval_return is not None and model.protocol is not None
    assert model.checkpoint_uri.startswith(str(settings.data_dir / "runs"))


@pytest.mark.slow
def test_documented_raw_ray_job_submit_line_trains_and_registers(
    ray_head, settings, tiny, tmp_path
):
    """docs/training.md's raw `ray job submit` line (unpacked wheel in py_modules) works."""
    root = Path(__file__).resolve().parents[3]
    dist, job = tmp_path / "dist", tmp_path / "job"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(root)],
        check=True,
        capture_output=True,
    )
    [wheel] = dist.glob("arenalab-*.whl")
    zipfile.ZipFile(wheel).extractall(dist / "pkg")
    save_experiment(tiny, job / "experiment.yaml")
    runtime_env = {
        "py_modules": [str(dist / "pkg" / "arenalab")],
        "env_vars": {"ARENALAB_DATA_DIR": str(settings.data_dir)},
    }
    entrypoint = ["python", "-m", "arenalab", "train", "experiment.yaml", "--iterations", "1"]
    command = [
        str(Path(sys.executable).parent / "ray"),
        "job",
        "submit",
        "--address",
        ray_head.dashboard_url,
        "--working-dir",
        str(job),
        "--runtime-env-json",
        json.dumps(runtime_env),
        "--",
        *entrypoint,
    ]
    done = subprocess.run(
        command, env={**os.environ, **ray_head.env}, capture_output=True, text=True, timeout=480
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "succeeded" in done.stdout
    [model] = Registry.from_settings(settings).list_models()
    assert model.checkpoint_uri.startswith(str(settings.data_dir / "runs"))


def test_a_job_shows_no_secret_and_leaves_no_staging_folder(
    ray_head, settings, tiny, tmp_path, monkeypatch
):
    """The dashboard's runtime_env has no API key and no database password; /tmp is clean."""
    import tempfile

    from arenalab.training.submit import submit_training
    from ray.job_submission import JobSubmissionClient

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("ARENALAB_API_KEY", "admin-key-that-must-stay-home")
    monkeypatch.setenv("ARENALAB_DATABASE_URL", "postgresql+psycopg://arena:hunter2@db:5432/lab")
    job = submit_training(
        tiny,
        address=ray_head.dashboard_url,
        train_args=["--help"],
        ship_code=False,
        wait=True,
        timeout_s=120,
    )
    assert "Usage" in job.logs
    shown = JobSubmissionClient(ray_head.dashboard_url).get_job_info(job.job_id).runtime_env
    env_vars = shown["env_vars"]
    assert "ARENALAB_API_KEY" not in env_vars  # the job reads both from its node
    assert "ARENALAB_DATABASE_URL" not in env_vars
    assert "hunter2" not in json.dumps(shown) and "must-stay-home" not in json.dumps(shown)
    assert env_vars["ARENALAB_DATA_DIR"] == str(settings.data_dir)  # the rest still travels
    assert list(tmp_path.glob("arenalab-submit-*")) == []


class _StartingHead:
    """A job client whose head answers like Ray's dashboard while its job agent starts."""

    def __init__(self, refusals: int, error: str) -> None:
        self.refusals, self.error, self.calls = refusals, error, 0

    def submit_job(self, **_: object) -> str:
        self.calls += 1
        if self.calls <= self.refusals:
            raise RuntimeError(f"Request failed with status code 500: {self.error}.")
        return "raysubmit_1"


def test_submit_waits_out_a_starting_job_agent_and_raises_anything_else() -> None:
    """A head still starting its job agent gets the job on a retry; other errors fail at once."""
    from arenalab.training.submit import _submit

    starting = _StartingHead(1, "No available agent to submit job, please try again later")
    assert _submit(starting, "true", {}) == "raysubmit_1" and starting.calls == 2
    broken = _StartingHead(1, "runtime_env: invalid working_dir")
    with pytest.raises(RuntimeError, match="invalid working_dir"):
        _submit(broken, "true", {})
    assert broken.calls == 1
