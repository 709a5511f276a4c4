"""Rank a sweep's trials and register the best one's checkpoint as a model.

Trials are read back from Tune's own experiment state (``ExperimentAnalysis``), so the
ranked table after ``arenalab sweep``, after ``--resume`` and in ``arenalab sweep
report`` all come from one place. A trial is ranked by the last value of the sweep's
metric it reported (Tune's ``scope="last"``), so a trial ASHA stopped early is ranked by
where it stood when stopped. The best checkpoint is scored with the one scoring protocol
(:mod:`arenalab.training.evaluation`, as ``arenalab train`` scores) and registered under
the base experiment's registry row, so docs/architecture.md 4.6's single "best" rule decides
whether it beats earlier models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from arenalab.experiments import Experiment, env_spec
from arenalab.registry import Registry
from arenalab.sweeps.loading import SweepPlan, with_values
from arenalab.sweeps.store import SweepDir, SweepNotFoundError
from arenalab.sweeps.trainable import result_value, trial_values
from arenalab.training import RegisteredModel
from arenalab.training.evaluation import Score, evaluable, score_checkpoint, store_score
from arenalab.training.runner import registered_model

STATES = {"TERMINATED": "finished", "ERROR": "errored"}
"""Tune's final statuses in words; any other saved status is a trial cut short."""


@dataclass(frozen=True)
class TrialRow:
    """One trial as the ranked table shows it (``status`` is Tune's, as saved)."""

    trial_id: str
    status: str
    iterations: int
    metric: float | None
    params: dict[str, Any]
    checkpoint_uri: str | None
    history: list[tuple[int, float]] = field(default_factory=list, compare=False)

    @property
    def state(self) -> str:
        """``finished``, ``errored``, ``interrupted`` (resumable) or ``not started``.

        Tune saves a trial that was running when the sweep stopped as ``PENDING`` (what
        it becomes on restore), so the saved status alone cannot tell those apart.
        """
        if self.status in STATES:
            return STATES[self.status]
        return "interrupted" if self.iterations else "not started"


def collect_trials(sweep: SweepDir, plan: SweepPlan, *, history: bool = False) -> list[TrialRow]:
    """Every trial of the sweep, best first (trials without the metric last).

    Args:
        sweep: The sweep folder (Tune's experiment state is read from it).
        plan: The sweep's plan (metric and mode).
        history: Also read each trial's metric per iteration (for learning curves).
    """
    from ray.tune import ExperimentAnalysis  # importing Tune costs seconds

    try:
        analysis = ExperimentAnalysis(sweep.uri)
    except ValueError:  # Tune saved no state yet: killed before its first save
        raise SweepNotFoundError(
            f"sweep {sweep.name!r} has no trial state in {sweep.uri} yet; "
            f"`arenalab sweep --resume {sweep.name}` starts it"
        ) from None
    frames = analysis.trial_dataframes if history else {}
    metric = plan.spec.metric
    rows = []
    for trial in analysis.trials:
        checkpoint = analysis.get_last_checkpoint(trial)
        curve: list[tuple[int, float]] = []
        frame = frames.get(trial.trial_id)
        if frame is not None and metric in frame and "training_iteration" in frame:
            points = frame[["training_iteration", metric]].dropna()
            curve = [(int(i), float(v)) for i, v in points.itertuples(index=False)]
        rows.append(
            TrialRow(
                trial_id=trial.trial_id,
                status=trial.status,
                iterations=int(result_value(trial.last_result, "training_iteration") or 0),
                metric=result_value(trial.last_result, metric),
                params=trial_values(trial.config),
                checkpoint_uri=sweep.checkpoint_uri(checkpoint.path) if checkpoint else None,
                history=curve,
            )
        )
    sign = -1.0 if plan.spec.mode == "max" else 1.0
    return sorted(rows, key=lambda r: (r.metric is None, sign * (r.metric or 0.0), r.trial_id))


def find_or_create_experiment(registry: Registry, experiment: Experiment, sweep: str) -> int:
    """The registry row of the sweep's base experiment: reused when identical, else created."""
    parameters = experiment.parameters()
    for row in registry.list_experiments():
        if (
            row.name == experiment.name
            and row.algorithm == experiment.algorithm.value
            and row.environment == experiment.environment.value
            and row.parameters == parameters
        ):
            return row.id
    row = registry.create_experiment(
        name=experiment.name,
        description=experiment.description or f"base experiment of sweep {sweep}",
        tags=[*experiment.tags, f"sweep:{sweep}"],
        preset=experiment.preset,
        algorithm=experiment.algorithm.value,
        environment=experiment.environment.value,
        parameters=parameters,
    )
    return row.id


@dataclass
class Registration:
    """The registry experiment the best trial was filed under, its models, and any warnings."""

    experiment_id: int
    models: list[RegisteredModel]
    warnings: list[str] = field(default_factory=list)


def register_best(registry: Registry, plan: SweepPlan, sweep: str, best: TrialRow) -> Registration:
    """Evaluate the best trial's checkpoint and register one model per trained policy.

    The evaluation runs on the trial's own experiment (its game may have been searched)
    over ``run.evaluation_episodes`` fixed-seed episodes, as ``arenalab train`` does. A
    policy the evaluation cannot score is still registered, unscored (so never "best"),
    with the reason in the warnings: a finished sweep is never thrown away.
    """
    if best.checkpoint_uri is None:
        raise ValueError(f"sweep {sweep}: best trial {best.trial_id} has no checkpoint")
    experiment = with_values(plan.experiment, best.params, source=f"trial {best.trial_id}")
    experiment_id = find_or_create_experiment(registry, plan.experiment, sweep)
    done = [
        registered_model(row, None)
        for row in registry.list_models(experiment_id=experiment_id)
        if (row.sweep, row.trial, row.checkpoint_uri) == (sweep, best.trial_id, best.checkpoint_uri)
    ]
    if done:  # a resumed sweep that had already finished: register nothing twice
        return Registration(experiment_id, done)
    spec = env_spec(experiment)
    registration = Registration(experiment_id, [])
    for module_id in spec.policies_to_train:
        result: Score | None = None
        if evaluable(module_id):
            try:
                result = score_checkpoint(
                    experiment, best.checkpoint_uri, module_id, experiment.run.evaluation_episodes
                )
            except Exception as exc:  # reported, and the model stays unscored
                registration.warnings.append(
                    f"{module_id}: evaluation failed ({type(exc).__name__}: {exc}); "
                    "registered unscored, so it cannot be the best model"
                )
        row = registry.register_model(
            experiment_id=experiment_id,
            fighter_id=spec.fighter_of.get(module_id),
            sweep=sweep,
            trial=best.trial_id,
            algorithm=experiment.algorithm.value,
            env_id=spec.env_id,
            obs_spec=spec.obs_spec,
            module_id=module_id,
            checkpoint_uri=best.checkpoint_uri,
            metrics={
                "sweep": {plan.spec.metric: best.metric, "iterations": best.iterations},
                "params": best.params,
            },
        )
        if result is not None:
            row = store_score(registry, row.id, result)
        registration.models.append(registered_model(row, result))
    return registration
