"""Run ``arenalab train`` as a Ray job on a cluster, with the code shipped as a wheel.

docs/architecture.md 3.1: the job gets arenalab from the built wheel through the runtime_env's
``py_modules`` (never ``platform/`` on ``sys.path``), the validated experiment as
``experiment.yaml`` in a small ``working_dir``, the non-secret ``ARENALAB_*`` settings
the caller set, and where the caller's runs and registry are (``LOCATION``, resolved:
the default ``./data`` would otherwise resolve inside the job's temporary working
directory, where ``arenalab experiments ls`` never looks). The dashboard shows a
runtime_env, so secrets stay on the nodes (docs/cluster.md). The
staging folder is removed once the client has uploaded it. The raw
equivalent is in docs/training.md. Clients of a token-auth head need
``RAY_AUTH_MODE=token`` (guides section 6).

The wheel is shipped unpacked (its ``arenalab/`` folder as the py_module): Ray 2.60
installs a ``.whl`` py_module with ``pip install --target`` and no ``--no-deps``, which
re-installs Ray, torch and every other dependency into each job (measured: 3.5 min,
and a second Ray shadowing the cluster's). The folder is exactly the wheel's content.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tenacity

import arenalab
from arenalab.experiments import Experiment, save_experiment
from arenalab.settings import ENV_PREFIX, Settings, get_settings, shareable

STOP_WAIT_S = 60
"""``RAY_JOB_STOP_WAIT_TIME_S`` for the job: time to finish an iteration and checkpoint."""
AGENT_WAIT_S = 60
"""How long to retry while a freshly started head has no job agent yet."""
LOCAL_ONLY = {"ARENALAB_RAY_ADDRESS"}
"""Settings that describe the caller's side only; the job joins its own cluster."""
SECRET_WORDS = ("KEY", "TOKEN", "SECRET", "PASSWORD")
"""A setting whose name holds one of these never enters a runtime_env (the dashboard shows it)."""
DATABASE_URL = "ARENALAB_DATABASE_URL"
LOCATION = ("data_dir", "storage", "database_url")
"""Settings the job always gets as the caller resolved them: where runs and models land."""


class SubmitError(RuntimeError):
    """The wheel could not be built or the job could not be submitted or failed."""


@dataclass(frozen=True)
class Submission:
    """A submitted training job."""

    job_id: str
    status: str
    entrypoint: str
    logs: str = ""


def source_root() -> Path:
    """The checkout arenalab was installed from (editable installs only)."""
    root = Path(arenalab.__file__).resolve().parents[2]
    if not (root / "pyproject.toml").exists():
        raise SubmitError(f"no source checkout above {root}; pass a wheel with --wheel")
    return root


def build_wheel(out_dir: Path, root: Path | None = None) -> Path:
    """``pip wheel --no-deps -w out_dir ROOT``: the code the job will import."""
    root = root or source_root()
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out_dir)]
    done = subprocess.run([*command, str(root)], capture_output=True, text=True, check=False)
    wheels = sorted(out_dir.glob("arenalab-*.whl"))
    if done.returncode != 0 or not wheels:
        raise SubmitError(f"building the wheel failed:\n{done.stderr[-2000:]}")
    return wheels[-1]


def unpack_wheel(wheel: Path, out_dir: Path) -> Path:
    """The wheel's ``arenalab/`` package folder, ready to ship as a py_module."""
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(out_dir)
    package = out_dir / "arenalab"
    if not (package / "__init__.py").exists():
        raise SubmitError(f"{wheel} holds no arenalab package")
    return package


def job_env_vars(
    extra: dict[str, str] | None = None, settings: Settings | None = None
) -> dict[str, str]:
    """The caller's non-secret ``ARENALAB_*`` settings plus the stop wait that makes pause clean.

    ``LOCATION`` travels as ``settings`` (default :func:`get_settings`) resolved it, so a
    job on a local head writes into the caller's data folder, storage and registry.

    A job's runtime_env is shown to anyone who can open the Ray dashboard, so no secret
    goes in it (docs/cluster.md): the API key stays out (training never needs it), and so
    does a database URL holding a password: the job reads ``ARENALAB_DATABASE_URL`` from
    its node's environment (a local Ray started by ``arenalab serve`` inherits it; a
    cluster's nodes set it, e.g. from the KubeRay Secret).
    """
    resolved, _ = shareable(settings or get_settings())  # no password-bearing URL in it
    located = {
        f"{ENV_PREFIX}{key.upper()}": str(resolved[key]) for key in LOCATION if key in resolved
    }
    settings = located | {
        name: value
        for name, value in {**os.environ, **(extra or {})}.items()
        if name.startswith("ARENALAB_") and name not in LOCAL_ONLY
    }
    public = {name: value for name, value in settings.items() if not is_secret(name)}
    if has_password(public.get(DATABASE_URL, "")):
        del public[DATABASE_URL]
    others = {name: value for name, value in (extra or {}).items() if name not in settings}
    return {"RAY_JOB_STOP_WAIT_TIME_S": str(STOP_WAIT_S), **public, **others}


def is_secret(name: str) -> bool:
    """Whether a setting's name says it holds a credential (``ARENALAB_API_KEY``)."""
    return any(word in name.removeprefix("ARENALAB_") for word in SECRET_WORDS)


def has_password(url: str) -> bool:
    """Whether a database URL carries a password (SQLite URLs never do)."""
    from sqlalchemy.engine import make_url  # only jobs need it

    return bool(url) and make_url(url).password is not None


def agent_not_ready(exc: BaseException) -> bool:
    """Whether a head refused a job because its job agent is still starting.

    Ray's job SDK raises a plain ``RuntimeError`` carrying the dashboard's HTTP 500 text
    ("No available agent to submit job, please try again later."): no typed error exists.
    """
    return isinstance(exc, RuntimeError) and "No available agent" in str(exc)


@tenacity.retry(
    retry=tenacity.retry_if_exception(agent_not_ready),
    stop=tenacity.stop_after_delay(AGENT_WAIT_S),
    wait=tenacity.wait_fixed(2),
    reraise=True,
)
def _submit(client: Any, entrypoint: str, runtime_env: dict[str, Any]) -> str:
    """Submit, waiting out a head whose job agent is still starting; other errors raise."""
    return client.submit_job(entrypoint=entrypoint, runtime_env=runtime_env)


def submit_training(
    experiment: Experiment | None,
    *,
    address: str | None = None,
    train_args: list[str] | None = None,
    wheel: Path | None = None,
    ship_code: bool = True,
    env_vars: dict[str, str] | None = None,
    wait: bool = False,
    timeout_s: float = 3600,
) -> Submission:
    """Submit ``python -m arenalab train experiment.yaml ARGS`` as a Ray job.

    Args:
        experiment: Validated locally, shipped as ``experiment.yaml``; None when
            ``train_args`` resume a run (the run folder holds its experiment).
        address: The cluster's dashboard URL (``http://head:8265``); None lets Ray read
            ``RAY_API_SERVER_ADDRESS``/``RAY_ADDRESS``.
        train_args: Extra ``arenalab train`` options (``--iterations 1``).
        wheel: A prebuilt arenalab wheel; built from the checkout when omitted.
        ship_code: False when every node already has arenalab installed (the cluster
            image, or the local Ray the API started): no wheel is built or shipped.
        env_vars: More environment variables for the job.
        wait: Follow the job until it ends and return its logs.
        timeout_s: How long ``wait`` waits.

    Raises:
        SubmitError: if the build or submission fails, or (with ``wait``) the job fails.
    """
    from ray.job_submission import JobStatus, JobSubmissionClient

    command = ["python", "-m", "arenalab", "train", *(train_args or [])]
    if experiment is not None:
        command.insert(4, "experiment.yaml")
    entrypoint = shlex.join(command)
    # the client uploads working_dir and py_modules while submitting: then they can go
    with tempfile.TemporaryDirectory(prefix="arenalab-submit-") as folder:
        staging = Path(folder)
        runtime_env: dict[str, Any] = {"env_vars": job_env_vars(env_vars)}
        if experiment is not None:
            save_experiment(experiment, staging / "job" / "experiment.yaml")
            runtime_env["working_dir"] = str(staging / "job")
        if ship_code:
            wheel = wheel or build_wheel(staging / "wheels")
            runtime_env["py_modules"] = [str(unpack_wheel(wheel, staging / "package"))]
        try:
            client = JobSubmissionClient(address)
            job_id = _submit(client, entrypoint, runtime_env)
        except Exception as exc:
            auth = os.environ.get("RAY_AUTH_MODE")
            hint = "" if auth else " (a token-auth head needs RAY_AUTH_MODE=token)"
            where = address or "RAY_ADDRESS"
            raise SubmitError(f"submitting to {where} failed: {exc}{hint}") from exc
    if not wait:
        return Submission(job_id, str(client.get_job_status(job_id)), entrypoint)
    deadline = time.monotonic() + timeout_s
    terminal = {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.STOPPED}
    while (status := client.get_job_status(job_id)) not in terminal:
        if time.monotonic() > deadline:
            raise SubmitError(f"job {job_id} still {status} after {timeout_s:.0f} s")
        time.sleep(1)
    logs = client.get_job_logs(job_id)
    if status != JobStatus.SUCCEEDED:
        raise SubmitError(f"job {job_id} {status}:\n{logs[-3000:]}")
    return Submission(job_id, str(status), entrypoint, logs)
