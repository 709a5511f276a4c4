"""The search-space vocabulary of sweep files, and its translation to ``ray.tune`` objects.

A sweep file names each distribution explicitly, one key per parameter
(``{loguniform: [1e-5, 1e-3]}``), instead of rl-zoo3's string mini-language or code:
the vocabulary is small enough to validate completely before any trial starts, and
every entry maps onto exactly one Tune sampler. ``randint`` bounds are inclusive on
both ends (Tune's ``high`` is exclusive; :func:`to_tune` adds the one).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, model_validator

Scalar = StrictInt | StrictFloat | bool | str
Number = StrictInt | StrictFloat

KINDS = ("grid", "choice", "uniform", "loguniform", "randint")
"""Every distribution a sweep file may use."""


class Distribution(BaseModel):
    """One parameter's search space: exactly one of the five vocabulary keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    grid: list[Scalar] | None = Field(
        None, min_length=1, description="Try every value (a grid search axis)."
    )
    choice: list[Scalar] | None = Field(
        None, min_length=1, description="Sample one of the values uniformly."
    )
    uniform: tuple[Number, Number] | None = Field(None, description="[low, high], floats.")
    loguniform: tuple[Number, Number] | None = Field(
        None, description="[low, high] with 0 < low; sampled uniformly in log space."
    )
    randint: tuple[StrictInt, StrictInt] | None = Field(
        None, description="[low, high], integers, both ends included."
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Distribution:
        given = [kind for kind in KINDS if getattr(self, kind) is not None]
        if len(given) != 1:
            raise ValueError(
                f"give exactly one of {', '.join(KINDS)}; got {', '.join(given) or 'none'}"
            )
        bounds = self.uniform or self.loguniform or self.randint
        if bounds is not None and not bounds[0] < bounds[1]:
            raise ValueError(f"{self.kind}: low must be below high, got {list(bounds)}")
        if self.loguniform is not None and self.loguniform[0] <= 0:
            raise ValueError(f"loguniform: low must be > 0, got {self.loguniform[0]}")
        return self

    @property
    def kind(self) -> Literal["grid", "choice", "uniform", "loguniform", "randint"]:
        """Which vocabulary key this distribution uses."""
        return next(kind for kind in KINDS if getattr(self, kind) is not None)

    @property
    def args(self) -> list[Any]:
        """The values (grid, choice) or bounds (the others) as written in the file."""
        return list(getattr(self, self.kind))


def to_tune(distribution: Distribution) -> Any:
    """The ``ray.tune`` search-space object for ``distribution``."""
    from ray import tune  # the CLI validates files without importing Ray

    kind, args = distribution.kind, distribution.args
    if kind == "grid":
        return tune.grid_search(args)
    if kind == "choice":
        return tune.choice(args)
    if kind == "randint":
        return tune.randint(args[0], args[1] + 1)
    if kind == "loguniform":
        return tune.loguniform(float(args[0]), float(args[1]))
    return tune.uniform(float(args[0]), float(args[1]))
