"""The lab's experiments (seed 004): CRUD, presets and the parameter form's schema.

Thin adapters: bodies are validated by ``arenalab.experiments`` (the same code as
``arenalab train FILE``) and stored by ``arenalab.registry``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from arenalab.experiments import (
    PRESETS,
    Experiment,
    ExperimentError,
    build_experiment,
    parameters_schema,
    training_settings,
)
from arenalab.experiments.loading import record_fields
from arenalab.registry import Experiment as ExperimentRow
from arenalab.serving.core import auth
from arenalab.serving.core.errors import field_errors
from arenalab.serving.core.limits import IdPath
from arenalab.serving.core.runtime import RuntimeDep
from arenalab.serving.lab.schemas import ExperimentIn, ExperimentOut
from fastapi import APIRouter, HTTPException

router = APIRouter(tags=["lab: experiments"])


def validate(body: ExperimentIn) -> Experiment:
    """The body as a typed experiment (defaults < preset < explicit), or 422 naming the field."""
    identity = body.model_dump(exclude={"parameters"}, exclude_none=True)
    try:
        return build_experiment({**identity, **body.parameters}, source="body")
    except ExperimentError as exc:
        detail = field_errors(str(exc))
        for error in detail:  # groups sit under "parameters" in the body
            if len(error["loc"]) > 1 and error["loc"][1] not in ExperimentIn.model_fields:
                error["loc"].insert(1, "parameters")
        raise HTTPException(422, detail) from None


def out(row: ExperimentRow, experiment: Experiment | None = None) -> ExperimentOut:
    """A row plus the parameters the chosen algorithm ignores (reported, never dropped)."""
    answer = ExperimentOut.model_validate(row)
    if experiment is not None:
        answer.warnings = training_settings(experiment)[1]
    return answer


@router.get("/experiments/", response_model=list[ExperimentOut])
async def list_experiments(runtime: RuntimeDep, _: auth.Admin) -> object:
    """Every experiment, oldest first."""
    return await asyncio.to_thread(runtime.registry.list_experiments)


@router.post("/experiments/", status_code=201, response_model=ExperimentOut)
async def create_experiment(body: ExperimentIn, runtime: RuntimeDep, _: auth.Admin) -> object:
    """Validate and store an experiment; ``warnings`` lists parameters the algorithm ignores."""
    experiment = validate(body)
    row = await asyncio.to_thread(runtime.registry.create_experiment, **record_fields(experiment))
    return out(row, experiment)


@router.get("/experiments/{experiment_id}", response_model=ExperimentOut)
async def get_experiment(experiment_id: IdPath, runtime: RuntimeDep, _: auth.Admin) -> object:
    """One experiment."""
    return await asyncio.to_thread(runtime.registry.get_experiment, experiment_id)


@router.put("/experiments/{experiment_id}", response_model=ExperimentOut)
async def replace_experiment(
    experiment_id: IdPath, body: ExperimentIn, runtime: RuntimeDep, _: auth.Admin
) -> object:
    """Replace an experiment's definition (sessions already run keep their own copy)."""
    experiment = validate(body)
    row = await asyncio.to_thread(
        runtime.registry.update_experiment, experiment_id, **record_fields(experiment)
    )
    return out(row, experiment)


@router.delete("/experiments/{experiment_id}", status_code=204)
async def delete_experiment(experiment_id: IdPath, runtime: RuntimeDep, _: auth.Admin) -> None:
    """Delete an experiment no session or model uses (409 otherwise)."""
    await asyncio.to_thread(runtime.registry.delete_experiment, experiment_id)


@router.get("/presets")
async def presets(_: auth.Admin) -> dict[str, Any]:
    """The named presets and the values each one sets."""
    return PRESETS


@router.get("/parameters/schema")
async def schema(_: auth.Admin) -> dict[str, Any]:
    """Groups, types, ranges, defaults, units and descriptions: what a form needs."""
    return parameters_schema()
