"""The sweep file: one YAML document per sweep in ``tune_configs/``, as a pydantic model.

Shaped like rl-baselines3-zoo's hyperparameter files but with a schema: unknown keys
are rejected (``extra="forbid"``) so a typo never silently falls back to a default,
and search spaces use the explicit vocabulary of :mod:`arenalab.sweeps.space`.
Cross-field checks that need the base experiment (is ``game.grid_size`` a parameter of
this game? does ``intelligence.target_update`` mean anything to PPO?) live in
:mod:`arenalab.sweeps.loading`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from arenalab.experiments import Algorithm
from arenalab.sweeps.space import Distribution

DEFAULT_METRIC = "env_runners/episode_return_mean"


class Strict(BaseModel):
    """Every part of a sweep file rejects keys it does not know."""

    model_config = ConfigDict(extra="forbid")


class BaseExperiment(Strict):
    """What every trial starts from: defaults < preset < file < values."""

    preset: str | None = Field(None, description="A preset name (e.g. rapide, débutant).")
    file: str | None = Field(
        None, description="An experiment YAML file, relative to the sweep file."
    )
    values: dict[str, Any] = Field(
        {}, description="Experiment values written inline (same keys as an experiment file)."
    )


class ASHA(Strict):
    """Asynchronous successive halving: stop trials that trail at each rung."""

    type: Literal["asha"]
    max_t: int = Field(..., ge=1, description="Iterations a trial may run at most.")
    grace_period: int = Field(1, ge=1, description="Iterations before a trial can be stopped.")
    reduction_factor: float = Field(3.0, gt=1.0, description="Keep 1/factor at each rung.")

    @model_validator(mode="after")
    def _grace_within_budget(self) -> ASHA:
        if self.grace_period > self.max_t:
            raise ValueError(
                f"grace_period={self.grace_period} exceeds max_t={self.max_t}: no trial "
                "could ever be stopped early"
            )
        return self


class PBT(Strict):
    """Population based training: the worst trials copy the best and mutate ``mutations``."""

    type: Literal["pbt"]
    perturbation_interval: int = Field(..., ge=1, description="Iterations between exploits.")
    mutations: dict[str, Distribution] = Field(
        ..., min_length=1, description="Parameter -> distribution to resample or perturb from."
    )
    quantile_fraction: float = Field(0.25, gt=0.0, le=0.5, description="Bottom/top fraction.")
    resample_probability: float = Field(0.25, ge=0.0, le=1.0, description="Resample vs perturb.")


Scheduler = Annotated[ASHA | PBT, Field(discriminator="type")]


class Checkpoints(Strict):
    """How often trials checkpoint and how many checkpoints each keeps."""

    frequency: int = Field(1, ge=0, description="Every K iterations; 0: only at the end.")
    num_to_keep: int | None = Field(
        None, ge=1, description="Newest checkpoints kept per trial; empty keeps all (PBT: must)."
    )
    at_end: bool = Field(
        True, description="Checkpoint when a trial finishes (the one we register)."
    )


class SweepSpec(Strict):
    """A whole sweep file."""

    name: str = Field(
        ..., pattern=r"^[A-Za-z0-9][\w.-]*$", max_length=100, description="Names the sweep folder."
    )
    description: str = Field("", description="What the sweep is looking for.")
    base: BaseExperiment = Field(default_factory=BaseExperiment)
    algorithm: Algorithm | None = Field(None, description="Overrides the base experiment's.")
    search: dict[str, Distribution] = Field(
        {}, description="`group.param` -> distribution, over the 20 experiment parameters."
    )
    metric: str = Field(
        DEFAULT_METRIC, min_length=1, description="Result key trials are ranked by."
    )
    mode: Literal["max", "min"] = Field("max", description="Whether a higher metric is better.")
    num_samples: int = Field(1, ge=1, description="Samples (times every grid point).")
    scheduler: Scheduler | None = Field(None, description="asha or pbt; none runs trials out.")
    search_algorithm: Literal["optuna"] | None = Field(
        None, description="Model-based search via Tune's OptunaSearch (needs optuna)."
    )
    stop: dict[str, float] = Field(
        {}, description="Tune stop criteria (result key -> threshold), besides the experiment's."
    )
    max_concurrent_trials: int | None = Field(None, ge=1, description="Trials running at once.")
    checkpoint: Checkpoints = Field(default_factory=Checkpoints)
    resources: dict[str, Any] = Field(
        {}, description="Per-trial resources: the experiment's `resources` group values."
    )
