"""Training sessions as Ray jobs: the lab's start, pause, resume and stop (seed 004).

A session is a registry row. Starting it submits the very ``arenalab train`` command
an operator runs (docs/architecture.md 2), attached to the row with ``--session``; the job then
reports status, progress and metrics to the registry itself. Pausing and stopping
are ``ray job stop``: the job's SIGTERM handler finishes the iteration and saves a
checkpoint (its runtime_env sets ``RAY_JOB_STOP_WAIT_TIME_S``), and records
``paused`` or ``stopped``. Resuming submits ``arenalab train --resume RUN``.

Every status change is a compare-and-set in the registry
(:meth:`~arenalab.registry.Registry.transition_session`): of two callers racing for
the same session one wins and the other gets 409, so two ``start`` calls submit
one job and a ``stop`` while the job starts is never undone by the job.
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
ENDED = ("finished", "stopped", "failed")
"""Statuses no lab call moves a session out of (``arenalab train --session`` may)."""
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
        session = self.registry.get_session(session_id)
        experiment = experiment_from_record(self.registry.get_experiment(session.experiment_id))
        self.registry.transition_session(session_id, {"created": "starting"}, error=None)
        return self._submit(session_id, "created", experiment, ["--session", str(session_id)])

    def resume(self, session_id: int) -> TrainingSession:
        """Continue a paused session from its last checkpoint."""
        session = self.refresh(session_id)
        if not session.run_uri:
            raise ConflictError(f"session {session_id} has no checkpoint to resume from")
        self.registry.transition_session(session_id, {"paused": "starting"}, error=None)
        return self._submit(session_id, "paused", None, ["--resume", session.run_uri])

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
        try:
            return self.registry.transition_session(
                session_id, {session.status: ended}, error=error, finished_at=utcnow()
            )
        except ConflictError:  # the job (or another caller) recorded the end first
            return self.registry.get_session(session_id)

    def _submit(
        self, session_id: int, before: str, experiment: Any, train_args: list[str]
    ) -> TrainingSession:
        """Submit the job of a session this caller moved to ``starting``; record its id.

        A pause or stop that came while the job was being submitted saw no job id: it
        is carried out here, once the id is known.
        """
        try:
            submission = submit_training(
                experiment,
                address=self.address,
                train_args=train_args,
                env_vars=self._job_env,
                ship_code=False,  # every node of the cluster serving this API has arenalab
            )
        except Exception as exc:  # the session never ran: back to where it was
            moves = {"starting": before, "pausing": before, "stopping": "stopped"}
            self.registry.transition_session(session_id, moves, error=str(exc))
            raise
        session = self.registry.update_session(session_id, job_id=submission.job_id)
        if session.status in ("pausing", "stopping"):
            self._client().stop_job(submission.job_id)
        return session

    def _stop(self, session_id: int, status: str) -> TrainingSession:
        self.refresh(session_id)
        session = self.registry.transition_session(
            session_id, {"starting": status, "running": status}
        )
        if session.job_id:  # else the start still submitting stops the job (``_submit``)
            self._client().stop_job(session.job_id)
        return session
