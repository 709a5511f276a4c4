"""Run a sweep with Ray Tune, resume it after a crash, and register its best trial.

``run_sweep`` saves the plan into ``{storage}/sweeps/NAME`` first, then builds a
``Tuner`` (trainable ``Sweep<ALGO>``, scheduler, optional searcher, checkpoint and
failure policy) whose state Tune keeps in the same folder. ``resume_sweep`` reads the
plan back and calls ``Tuner.restore(resume_unfinished=True, resume_errored=True)``:
finished trials stay finished, interrupted and errored ones continue from their last
checkpoint. This works after the driver was SIGKILLed because Tune's experiment state
and every trial's checkpoints are on storage, not in the driver. Both end the same way:
rank the trials and, once every trial has finished, register the best checkpoint as a
model. Ctrl-C or SIGTERM checkpoints the running trials and stops
(:mod:`arenalab.sweeps.interrupt`); an interrupted sweep registers nothing, since its
"best" trial is only the best so far.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from arenalab.cluster import connect_ray
from arenalab.experiments import ExperimentError, build_config
from arenalab.registry import Registry
from arenalab.settings import Settings, get_settings
from arenalab.storage import open_storage
from arenalab.sweeps.limits import trial_count
from arenalab.sweeps.loading import SweepError, SweepPlan
from arenalab.sweeps.results import TrialRow, collect_trials, register_best
from arenalab.sweeps.schema import ASHA, PBT
from arenalab.sweeps.space import to_tune
from arenalab.sweeps.store import SweepDir
from arenalab.sweeps.trainable import param_space, trainable_class
from arenalab.training import RegisteredModel

TIME_ATTR = "training_iteration"
MAX_FAILURES = 1
"""Tune retries a crashed trial once from its last checkpoint before marking it errored."""
TUNE_OUTPUT_ENV = "RAY_AIR_NEW_OUTPUT"
FINISHED = frozenset({"TERMINATED", "ERROR"})
"""Trial states that are final; any other state after ``fit`` means the sweep was cut short."""


@dataclass
class SweepOutcome:
    """What a sweep produced: its folder, ranked trials and the registered best model."""

    name: str
    uri: str
    metric: str
    mode: str
    trials: list[TrialRow]
    experiment_id: int | None = None
    models: list[RegisteredModel] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    interrupted_by: int | None = None
    """The signal (SIGINT, SIGTERM) that stopped the sweep early, if one did."""
    planned: int = 0
    """Trials the plan asks for; Tune creates them lazily, so ``trials`` may list fewer."""

    @property
    def unfinished(self) -> list[TrialRow]:
        """Trials that still have iterations to run (``--resume NAME`` runs them)."""
        return [row for row in self.trials if row.status not in FINISHED]

    @property
    def finished(self) -> bool:
        """Whether every trial ran out, so its best is the sweep's best."""
        return self.interrupted_by is None and not self.unfinished

    @property
    def best(self) -> TrialRow | None:
        """The top-ranked trial that reported the metric, if any."""
        return self.trials[0] if self.trials and self.trials[0].metric is not None else None


def run_sweep(
    plan: SweepPlan, *, name: str | None = None, settings: Settings | None = None
) -> SweepOutcome:
    """Run every trial of ``plan`` and register the best; ``name`` overrides the file's.

    Raises:
        SweepError: if a sweep of that name already exists (resume it, or pick a name), or
            RLlib refuses the base experiment's config.
    """
    settings = settings or get_settings()
    sweep = SweepDir(open_storage(settings), name or plan.spec.name)
    if sweep.exists():
        raise SweepError(
            f"sweep {sweep.name!r} already exists in {sweep.storage_path}; continue it with "
            f"`arenalab sweep --resume {sweep.name}` or choose another --name"
        )
    try:  # the RLlib-level check (e.g. an unknown `rllib:` keyword) before any trial starts
        build_config(plan.experiment)
    except ExperimentError as exc:
        raise SweepError(f"{plan.source}: base: {exc}") from None
    sweep.write_plan(plan)
    connect_ray(settings, log_to_driver=False)  # trials' prints stay in their logs
    return _finish(_new_tuner(plan, sweep), sweep, plan, settings)


def resume_sweep(name: str, *, settings: Settings | None = None) -> SweepOutcome:
    """Continue an interrupted sweep by name; a finished one just re-prints its results."""
    from ray import tune  # importing Tune costs seconds

    settings = settings or get_settings()
    sweep = SweepDir(open_storage(settings), name)
    plan = sweep.read_plan()
    connect_ray(settings, log_to_driver=False)  # trials' prints stay in their logs
    if tune.Tuner.can_restore(sweep.uri):
        tuner = tune.Tuner.restore(
            sweep.uri,
            trainable=trainable_class(plan.experiment.algorithm),
            resume_unfinished=True,
            resume_errored=True,
        )
    else:  # killed after saving the plan but before Tune saved any state
        tuner = _new_tuner(plan, sweep)
    return _finish(tuner, sweep, plan, settings)


def scheduler(plan: SweepPlan) -> Any:
    """The Tune trial scheduler the file asks for (None: FIFO, every trial runs out)."""
    from ray.tune.schedulers import ASHAScheduler, PopulationBasedTraining

    spec = plan.spec.scheduler
    if isinstance(spec, ASHA):
        return ASHAScheduler(
            time_attr=TIME_ATTR,
            max_t=spec.max_t,
            grace_period=spec.grace_period,
            reduction_factor=spec.reduction_factor,
        )
    if isinstance(spec, PBT):
        return PopulationBasedTraining(
            time_attr=TIME_ATTR,
            perturbation_interval=spec.perturbation_interval,
            hyperparam_mutations={key: to_tune(dist) for key, dist in spec.mutations.items()},
            quantile_fraction=spec.quantile_fraction,
            resample_probability=spec.resample_probability,
        )
    return None


def search_algorithm(plan: SweepPlan) -> Any:
    """Tune's OptunaSearch when the file asks for it (checked importable when loading)."""
    if plan.spec.search_algorithm != "optuna":
        return None
    from ray.tune.search.optuna import OptunaSearch

    return OptunaSearch()


def _new_tuner(plan: SweepPlan, sweep: SweepDir) -> Any:
    from ray import tune

    from arenalab.sweeps.interrupt import CheckpointOnInterrupt  # imports Tune
    from arenalab.sweeps.progress import ProgressLines  # imports Tune

    spec = plan.spec
    return tune.Tuner(
        trainable_class(plan.experiment.algorithm),
        param_space=param_space(plan),
        tune_config=tune.TuneConfig(
            metric=spec.metric,
            mode=spec.mode,
            num_samples=spec.num_samples,
            scheduler=scheduler(plan),
            search_alg=search_algorithm(plan),
            max_concurrent_trials=spec.max_concurrent_trials,
        ),
        run_config=tune.RunConfig(
            name=sweep.name,
            storage_path=sweep.storage_path,
            stop=dict(spec.stop) or None,
            verbose=0,
            callbacks=[ProgressLines(spec.metric, trial_count(spec)), CheckpointOnInterrupt()],
            checkpoint_config=tune.CheckpointConfig(
                checkpoint_frequency=spec.checkpoint.frequency,
                num_to_keep=spec.checkpoint.num_to_keep,
                checkpoint_at_end=spec.checkpoint.at_end,
            ),
            failure_config=tune.FailureConfig(max_failures=MAX_FAILURES),
        ),
    )


@contextmanager
def quiet_tune_output() -> Iterator[None]:
    """Tune's legacy output engine while fitting: at ``verbose=0`` it prints nothing.

    The new engine (Ray 2.60's default) prints a configuration box and a TensorBoard
    hint at a ``driver_artifacts`` folder in Ray's temp dir even at ``verbose=0``;
    :class:`~arenalab.sweeps.progress.ProgressLines` and the final table say it better.
    """
    previous = os.environ.get(TUNE_OUTPUT_ENV)
    os.environ[TUNE_OUTPUT_ENV] = "0"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(TUNE_OUTPUT_ENV, None)
        else:
            os.environ[TUNE_OUTPUT_ENV] = previous


def _finish(tuner: Any, sweep: SweepDir, plan: SweepPlan, settings: Settings) -> SweepOutcome:
    """Fit, rank, and (unless interrupted) register the best trial's checkpoint."""
    from arenalab.sweeps.interrupt import catch_interrupts  # imports Tune

    with quiet_tune_output(), catch_interrupts() as interrupt:
        tuner.fit()
    rows = collect_trials(sweep, plan)
    outcome = SweepOutcome(
        sweep.name,
        sweep.uri,
        plan.spec.metric,
        plan.spec.mode,
        rows,
        interrupted_by=interrupt.signum,
        planned=trial_count(plan.spec),
    )
    best = outcome.best
    if outcome.finished and best is not None and best.checkpoint_uri is not None:
        registration = register_best(Registry.from_settings(settings), plan, sweep.name, best)
        outcome.experiment_id = registration.experiment_id
        outcome.models = registration.models
        outcome.warnings = registration.warnings
    return outcome
