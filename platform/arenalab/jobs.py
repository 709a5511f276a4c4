"""Training sessions as Ray jobs: the lab's start, pause, resume and stop (seed 004).

A session is a registry row. Starting it submits the very ``arenalab train`` command
an operator runs (DESIGN.md 2), attached to the row with ``--session``; the job then
reports status, progress and metrics to the registry itself. Pausing and stopping
are ``ray job stop``: the job's SIGTERM handler finishes the iteration and saves a
checkpoint (its runtime_env sets ``RAY_JOB_STOP_WAIT_TIME_S``), and records
``paused`` or ``stopped``. Resuming submits ``arenalab train --resume RUN``.
"""

from __future__ import annotations

from typing import Any

from arenalab.experiments import experiment_from_record
from arenalab.registry import ConflictError, Registry, TrainingSession
from arenalab.registry.models import utcnow
from arenalab.settings import Settings
from arenalab.training.submit import submit_training

ACTIVE = ("starting", "running", "pausing", "stopping")
"""Statuses of a session whose job may still be running."""
JOB_ENDED = {"SUCCEEDED", "FAILED", "STOPPED"}


def dashboard_address() -> str:
    """The Jobs API address of the cluster this process is connected to."""
    from ray._private.services import get_webui_url_from_internal_kv

    url = get_webui_url_from_internal_kv()
    if not url:
        raise ConflictError("this Ray cluster runs no dashboard, so it cannot run jobs")
    return url if url.startswith("http") else f"http://{url}"


class SessionJobs:
    """Start, pause, resume and stop training sessions on the connected Ray cluster."""

    def __init__(self, registry: Registry, settings: Settings, address: str | None = None) -> None:
        self.registry = registry
        self._address = address
        # the job must open the same registry and storage as this process, wherever it runs
        self._job_env = {
            "ARENALAB_DATA_DIR": str(settings.data_dir),
            "ARENALAB_STORAGE": settings.storage,
            "ARENALAB_DATABASE_URL": settings.database_url,
        }

    @property
    def address(self) -> str:
        """The dashboard URL jobs are submitted to (looked up once)."""
        if self._address is None:
            self._address = dashboard_address()
        return self._address

    def _client(self) -> Any:
        from ray.job_submission import JobSubmissionClient

        return JobSubmissionClient(self.address)

    def create(self, experiment_id: int) -> TrainingSession:
        """A new session of an existing experiment, ready to start."""
        experiment = self.registry.get_experiment(experiment_id)
        experiment_from_record(experiment)  # an experiment that no longer validates fails here
        return self.registry.create_session(experiment_id=experiment_id, status="created")

    def start(self, session_id: int) -> TrainingSession:
        """Submit the session's training job (409 unless it was never started)."""
        session = self.refresh(session_id)
        if session.status != "created":
            raise ConflictError(f"session {session_id} is {session.status}; only a new one starts")
        experiment = experiment_from_record(self.registry.get_experiment(session.experiment_id))
        return self._submit(session_id, experiment, ["--session", str(session_id)])

    def resume(self, session_id: int) -> TrainingSession:
        """Continue a paused session from its last checkpoint."""
        session = self.refresh(session_id)
        if session.status != "paused" or not session.run_uri:
            raise ConflictError(f"session {session_id} is {session.status}; only paused resumes")
        return self._submit(session_id, None, ["--resume", session.run_uri])

    def pause(self, session_id: int) -> TrainingSession:
        """Stop the job with a checkpoint; the session can resume later."""
        return self._stop(session_id, "pausing")

    def stop(self, session_id: int) -> TrainingSession:
        """Stop the job with a final checkpoint; the session is over."""
        return self._stop(session_id, "stopping")

    def refresh(self, session_id: int) -> TrainingSession:
        """Reconcile the row with its job: a job that died without saying so is ``failed``."""
        session = self.registry.get_session(session_id)
        if session.status not in ACTIVE or not session.job_id:
            return session
        status = str(self._client().get_job_status(session.job_id)).rsplit(".", 1)[-1]
        if status not in JOB_ENDED:
            return session
        session = self.registry.get_session(session_id)  # the job may have just finished
        if session.status not in ACTIVE:
            return session
        ended = {"pausing": "paused", "stopping": "stopped"}.get(session.status) or {
            "STOPPED": "stopped",
            "SUCCEEDED": "finished",
        }.get(status, "failed")
        error = None
        if ended == "failed":
            logs = self._client().get_job_logs(session.job_id)
            error = f"job {session.job_id} {status}: {logs[-2000:]}"
        return self.registry.update_session(
            session_id, status=ended, error=error, finished_at=utcnow()
        )

    def _submit(self, session_id: int, experiment: Any, train_args: list[str]) -> TrainingSession:
        submission = submit_training(
            experiment,
            address=self.address,
            train_args=train_args,
            env_vars=self._job_env,
            ship_code=False,  # every node of the cluster serving this API has arenalab
        )
        return self.registry.update_session(
            session_id, status="starting", job_id=submission.job_id, error=None
        )

    def _stop(self, session_id: int, status: str) -> TrainingSession:
        session = self.refresh(session_id)
        if session.status not in ("starting", "running"):
            raise ConflictError(f"session {session_id} is {session.status}; nothing to stop")
        session = self.registry.update_session(session_id, status=status)
        self._client().stop_job(session.job_id)
        return session
