"""TensorBoard event files for ``train()`` runs, as Tune writes them for sweeps.

Every iteration's metrics row (returns, losses, timings, periodic evaluations) becomes
one scalar per figure at its env-step count, so runs with different batch sizes line up
and a resumed run continues its curves. The files live in ``{run folder}/tensorboard``;
on remote storage (``s3://...``) they go to ``{data_dir}/tensorboard/{run id}`` on the
machine that trains, since TensorBoard reads local folders.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from arenalab.settings import Settings
from arenalab.training.runs import RUNS, RunDir

FOLDER = "tensorboard"


def tensorboard_dir(run: RunDir, settings: Settings) -> str:
    """Where the run's event files go: ``tensorboard --logdir`` takes this folder."""
    if run.storage.is_local:
        return run.storage.path(RUNS, run.run_id, FOLDER)
    return str(Path(settings.data_dir) / FOLDER / run.run_id)


class RunBoard:
    """Writes a run's metrics as TensorBoard scalars; use as a context manager."""

    def __init__(self, logdir: str) -> None:
        from tensorboardX import SummaryWriter  # a Ray Tune dependency

        self.logdir = logdir
        self._writer = SummaryWriter(logdir=logdir, flush_secs=10)

    def record(self, env_steps: int, metrics: Mapping[str, float]) -> None:
        """Add one iteration's figures at ``env_steps``."""
        for name, value in metrics.items():
            self._writer.add_scalar(name, value, global_step=env_steps)

    def __enter__(self) -> RunBoard:
        return self

    def __exit__(self, *_: object) -> None:
        self._writer.close()
