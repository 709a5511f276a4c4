"""Bodies of the inference endpoints: observations in (finite floats), actions out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from arenalab.bounds import Int64, RowId
from pydantic import BaseModel, Field, model_validator

MAX_OBS_VALUES = 4096  # one observation; arena-obs-v1 has 49
MAX_ROWS = 256  # observations in one request for one model
MAX_FIGHTERS = 64  # fighters in one battle frame

FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
Vector = Annotated[list[FiniteFloat], Field(min_length=1, max_length=MAX_OBS_VALUES)]
Action = list[float] | int


class ActRequest(BaseModel):
    """One observation (``observation``) or several (``observations``) for one model."""

    observation: Vector | None = Field(None, description="One observation vector.")
    observations: Annotated[list[Vector], Field(min_length=1, max_length=MAX_ROWS)] | None = Field(
        None, description="Several observation vectors, acted on in one forward pass."
    )
    deterministic: bool = Field(
        True, description="Greedy action (true) or a sample from the policy (false)."
    )

    @model_validator(mode="after")
    def _one_of(self) -> ActRequest:
        if (self.observation is None) == (self.observations is None):
            raise ValueError("give exactly one of observation or observations")
        return self

    @property
    def rows(self) -> list[list[float]]:
        """The observations as rows."""
        return [self.observation] if self.observation is not None else self.observations


class ModelRef(BaseModel):
    """Which registered model acted: its id is its version (new models get new ids)."""

    model_id: int
    model_created_at: datetime
    algorithm: str
    obs_spec: str


class ActResponse(ModelRef):
    """The action (or actions, in request order) and the model that chose it."""

    fighter_id: int | None = None
    action: Action | None = None
    actions: list[Action] | None = None


class FighterObservation(BaseModel):
    """One AI fighter's observation in a battle frame."""

    fighter_id: RowId
    observation: Vector


class BattleActRequest(BaseModel):
    """Every AI fighter of a battle for one frame, each acted on by its own best model."""

    fighters: Annotated[list[FighterObservation], Field(min_length=1, max_length=MAX_FIGHTERS)]
    deterministic: bool = True

    @model_validator(mode="after")
    def _unique(self) -> BattleActRequest:
        ids = [fighter.fighter_id for fighter in self.fighters]
        if len(set(ids)) != len(ids):
            raise ValueError("each fighter_id may appear once per request")
        return self


class FighterAction(ModelRef):
    """One fighter's action and the model that chose it."""

    fighter_id: int
    action: Action


class BattleActResponse(BaseModel):
    """Actions in the order of the request's fighters."""

    actions: list[FighterAction]


class StreamRequest(BattleActRequest):
    """A stream message: a battle frame plus the client's frame number, echoed back."""

    frame: Int64 | None = None


class StreamActions(BattleActResponse):
    """The stream's answer to one message."""

    type: Literal["actions"] = "actions"
    frame: int | None = None


class LoadedModel(BaseModel):
    """A model loaded where policies run, and the runtime its greedy actions use."""

    model_id: int
    runtime: Literal["onnx", "torch"]
    runtime_chosen: bool = Field(description="False while its ONNX export is being made/timed.")
    timings_us: dict[str, float] | None = Field(
        None, description="Microseconds per greedy action on one observation, per runtime."
    )
    nbytes: int = Field(description="Weights held: torch's and their ONNX copy.")


class LoadedModels(BaseModel):
    """Where policies run (``PolicyArgs.placement``) and what is loaded there."""

    placement: Literal["ingress", "deployment"]
    models: list[LoadedModel] = Field(
        description="This ingress replica's models, or those of one policy-deployment replica."
    )
