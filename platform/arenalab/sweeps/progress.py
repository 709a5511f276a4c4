"""Live progress of a sweep: one compact line per trial result, start and end.

A Tune ``Callback`` (Tune's own table is off, ``verbose=0``: it dumps whole configs).
Lines are plain text so they read the same in a terminal and in ``ray job logs``.
This module imports Tune; :mod:`arenalab.sweeps.runner` imports it only when a sweep runs.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from ray.tune import Callback

from arenalab.sweeps.trainable import result_value, trial_values


def _short(values: dict[str, Any]) -> str:
    """``training.learning_rate=0.001`` -> ``learning_rate=0.001`` (rounded), comma-joined."""
    parts = []
    for key, value in values.items():
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        parts.append(f"{key.rpartition('.')[2]}={shown}")
    return ", ".join(parts)


class ProgressLines(Callback):
    """Print ``[elapsed] trial iter N metric=v (params) | running/done/total`` lines."""

    def __init__(self, metric: str, planned: int = 0) -> None:
        self.metric = metric
        self.planned = planned  # Tune creates trials lazily: `trials` may not list them all
        self.started = time.monotonic()

    def _line(self, trials: list[Any], trial: Any, text: str) -> None:
        counts = Counter(t.status for t in trials)
        elapsed = int(time.monotonic() - self.started)
        total = max(getattr(self, "planned", 0), len(trials))  # 0 in sweeps saved before it
        print(
            f"[{elapsed // 60:3d}:{elapsed % 60:02d}] {trial.trial_id} {text} | "
            f"running {counts['RUNNING']}, done {counts['TERMINATED']}, "
            f"errored {counts['ERROR']}, of {total}",
            flush=True,
        )

    def on_trial_start(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        """Announce a trial and its parameters."""
        self._line(trials, trial, f"started ({_short(trial_values(trial.config))})")

    def on_trial_result(
        self, iteration: int, trials: list, trial: Any, result: dict, **info: Any
    ) -> None:
        """One line per reported iteration."""
        value = result_value(result, self.metric)
        shown = "-" if value is None else f"{value:.3f}"
        name = self.metric.rpartition("/")[2]
        self._line(trials, trial, f"iter {result.get('training_iteration', 0):4d} {name}={shown}")

    def on_trial_complete(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        """A trial finished (its criteria, the sweep's stop, or the scheduler stopped it)."""
        self._line(trials, trial, "finished")

    def on_trial_error(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        """A trial failed; Tune retries it per the failure config."""
        self._line(trials, trial, f"ERROR (see {trial.path})")
