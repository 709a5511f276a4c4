"""Live progress of a sweep: Tune's trial events as reports to the one progress display.

A Tune ``Callback`` (Tune's own table is off, ``verbose=0``: it dumps whole configs)
that turns each trial's start, results and end into a
:class:`~arenalab.training.progress.Progress` for
:class:`~arenalab.training.progress.ProgressDisplay`, the display ``train`` and
``offline`` use. Tune saves its callbacks with the sweep and ``--resume`` restores
them, so the class keeps its name, module and attributes. This module imports Tune;
:mod:`arenalab.sweeps.runner` imports it only when a sweep runs.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any, ClassVar

from ray.tune import Callback

from arenalab.sweeps.trainable import result_value, trial_values
from arenalab.training.progress import Progress, ProgressCallback, ProgressDisplay


def _short(values: dict[str, Any]) -> str:
    """``training.learning_rate=0.001`` -> ``learning_rate=0.001`` (rounded), comma-joined."""
    parts = []
    for key, value in values.items():
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        parts.append(f"{key.rpartition('.')[2]}={shown}")
    return ", ".join(parts)


class ProgressLines(Callback):
    """Report ``trial iter N metric=v ... | running/done/errored of total`` per trial event."""

    report: ClassVar[ProgressCallback] = ProgressDisplay()
    """Where reports go; a class attribute, so a restored callback reports too."""
    planned = 0
    """Trials the plan asks for (0 in a callback restored from a sweep saved without it)."""

    def __init__(self, metric: str, planned: int = 0) -> None:
        self.metric = metric
        self.planned = planned  # Tune creates trials lazily: `trials` may not list them all
        self.started = time.monotonic()

    def _report(self, trials: list[Any], trial: Any, **fields: Any) -> None:
        counts = Counter(t.status for t in trials)
        total = max(self.planned, len(trials))
        status = (
            f"running {counts['RUNNING']}, done {counts['TERMINATED']}, "
            f"errored {counts['ERROR']}, of {total}"
        )
        elapsed = time.monotonic() - self.started
        report = type(self).report  # a plain function stays unbound
        report(Progress(task=trial.trial_id, elapsed_s=elapsed, status=status, **fields))

    def on_trial_start(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        """Announce a trial and its parameters."""
        event = f"started ({_short(trial_values(trial.config))})"
        self._report(trials, trial, iteration=0, event=event)

    def on_trial_result(
        self, iteration: int, trials: list, trial: Any, result: dict, **info: Any
    ) -> None:
        """One report per iteration a trial reported, with the sweep's metric."""
        name = self.metric.rpartition("/")[2]
        figures = {name: result_value(result, self.metric)}
        self._report(trials, trial, iteration=result.get("training_iteration", 0), figures=figures)

    def on_trial_complete(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        """A trial finished (its criteria, the sweep's stop, or the scheduler stopped it)."""
        self._report(trials, trial, iteration=0, event="finished")

    def on_trial_error(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        """A trial failed; Tune retries it per the failure config."""
        self._report(trials, trial, iteration=0, event=f"ERROR (see {trial.path})")
