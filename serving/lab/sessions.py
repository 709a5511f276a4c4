"""The lab's training sessions (seed 004 ``/training/sessions``): Ray jobs with a registry row.

Start, pause, resume and stop go through :class:`arenalab.training.jobs.SessionJobs`, which
submits the same ``arenalab train`` an operator runs; metrics are what the job
recorded in the registry, also streamed on the ``metrics`` WebSocket channel.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from arenalab.bounds import INT64_MAX, RowId
from arenalab.serving.core import auth
from arenalab.serving.core.limits import IdPath
from arenalab.serving.core.runtime import RuntimeDep
from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

router = APIRouter(tags=["lab: training"])


class SessionIn(BaseModel):
    """A session of an existing experiment."""

    model_config = ConfigDict(extra="forbid")

    experiment_id: RowId


class SessionOut(BaseModel):
    """A session's status and progress."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    experiment_id: int | None
    status: str
    job_id: str | None
    run_uri: str | None
    iterations: int
    env_steps: int
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class MetricOut(BaseModel):
    """One iteration's recorded metrics."""

    model_config = ConfigDict(from_attributes=True)

    iteration: int
    env_steps: int
    values: dict[str, Any]
    created_at: datetime


@router.post("/training/sessions", status_code=201, response_model=SessionOut)
async def create_session(body: SessionIn, runtime: RuntimeDep, _: auth.Admin) -> object:
    """Create a session of an experiment (status ``created``)."""
    return await asyncio.to_thread(runtime.session_jobs.create, body.experiment_id)


@router.get("/training/sessions", response_model=list[SessionOut])
async def list_sessions(
    runtime: RuntimeDep, _: auth.Admin, experiment_id: Annotated[RowId | None, Query()] = None
) -> object:
    """Sessions, optionally of one experiment, oldest first."""
    return await asyncio.to_thread(runtime.registry.list_sessions, experiment_id)


@router.get("/training/sessions/{session_id}", response_model=SessionOut)
async def get_session(session_id: IdPath, runtime: RuntimeDep, _: auth.Admin) -> object:
    """One session, reconciled with its job."""
    return await asyncio.to_thread(runtime.session_jobs.refresh, session_id)


class Control(StrEnum):
    """What a client can ask of a session (seed 004's start, stop, pause and resume)."""

    START = "start"  # submit the training job (409 once started)
    PAUSE = "pause"  # checkpoint and stop the job; resume continues from there
    RESUME = "resume"  # continue a paused session from its last checkpoint
    STOP = "stop"  # checkpoint and end the session for good


@router.post("/training/sessions/{session_id}/{control}", response_model=SessionOut)
async def control_session(
    session_id: IdPath, control: Control, runtime: RuntimeDep, _: auth.Admin
) -> object:
    """Start, pause, resume or stop a session; the answer is its new status."""
    jobs = runtime.session_jobs
    act = {
        Control.START: jobs.start,
        Control.PAUSE: jobs.pause,
        Control.RESUME: jobs.resume,
        Control.STOP: jobs.stop,
    }[control]
    return await asyncio.to_thread(act, session_id)


@router.get("/training/sessions/{session_id}/metrics", response_model=list[MetricOut])
async def session_metrics(
    session_id: IdPath,
    runtime: RuntimeDep,
    _: auth.Admin,
    after_iteration: Annotated[int, Query(ge=-1, le=INT64_MAX)] = -1,
) -> object:
    """The session's metrics per iteration (only newer ones with ``after_iteration``)."""
    await asyncio.to_thread(runtime.registry.get_session, session_id)
    return await asyncio.to_thread(
        runtime.registry.list_metrics, session_id, after_iteration=after_iteration
    )
