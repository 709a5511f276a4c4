"""Errors of the inference library, each naming what the caller has to fix."""

from __future__ import annotations

from collections.abc import Sequence


class ObservationError(ValueError):
    """An observation does not fit the policy: ``loc`` is the offending path, e.g. (row,)."""

    def __init__(self, loc: Sequence[str | int], message: str) -> None:
        super().__init__(message)
        self.loc = tuple(loc)


class UnsupportedCheckpointError(ValueError):
    """A checkpoint needs what the server cannot replay, so it would act unlike RLlib.

    Recurrent modules, per-agent filters and unknown connectors are refused.
    """
