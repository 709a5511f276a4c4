"""``train(experiment)``: one RLlib run with checkpoints, registry records and a final score.

The library form of seed 000's ``create_training_session(fighter_id, config)`` and of
``arenalab train``: build the AlgorithmConfig, train until ``training.episodes`` (or an
iteration cap), checkpoint every K iterations and at the end under
``{storage}/runs/{name}-{id}``, record every iteration's metrics and the session in the
registry, then score each trained policy with the one scoring protocol
(:mod:`arenalab.training.evaluation`: greedy, as ``/act`` serves it, fixed seeds) and
register it as a model so the "best model" rule (docs/architecture.md 4.6) applies. Every
``run.evaluation_every`` iterations a quick evaluation (``run.periodic_evaluation_episodes``)
joins that iteration's metrics row; the run ends with a learning-curve PNG in its folder,
and every iteration's metrics go to TensorBoard event files (:mod:`arenalab.training.tensorboard`).
SIGINT/SIGTERM pause the run: the current iteration finishes, a checkpoint is written,
``resume=`` continues it.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from arenalab.cluster import connect_ray
from arenalab.experiments import Experiment, build_config, stop_criteria
from arenalab.experiments.loading import record_fields
from arenalab.experiments.mapping import EPISODES_METRIC, STEPS_METRIC
from arenalab.registry import ConflictError, Registry
from arenalab.registry.models import utcnow
from arenalab.settings import Settings, get_settings
from arenalab.storage import open_storage
from arenalab.training.curves import write_learning_curve
from arenalab.training.evaluation import Score, evaluable, is_arena, score_checkpoint, store_score
from arenalab.training.progress import (
    Progress,
    ProgressCallback,
    estimate_eta,
    finite,
    iteration_metrics,
)
from arenalab.training.runs import RunDir, new_run, open_run
from arenalab.training.stopping import StopRequest
from arenalab.training.tensorboard import RunBoard, tensorboard_dir

log = logging.getLogger(__name__)

# session status moves (compare-and-set): never over a pause or stop asked meanwhile
RUNS_FROM = dict.fromkeys(
    ("created", "starting", "running", "paused", "stopped", "failed", "finished"), "running"
)
ENDS_STOPPED = {"stopping": "stopped", "pausing": "paused", "running": "paused"}


@dataclass(frozen=True)
class RegisteredModel:
    """A model the run registered, with its scores."""

    model_id: int
    module_id: str
    fighter_id: int | None
    checkpoint_uri: str
    eval_return: float | None
    win_rate: float | None
    rating: float | None
    is_best: bool
    beats_random: bool = False
    margin: float | None = None
    """Margin over random (Pac-Man: mean return; arena: fight score minus 1/2)."""


@dataclass
class TrainingResult:
    """What a run did: where it lives, how far it got, its final figures and models."""

    run_id: str
    run_uri: str
    experiment_id: int
    session_id: int
    status: str  # "finished" or "paused"
    iterations: int
    env_steps: int
    episodes: int
    checkpoint_uri: str
    metrics: dict[str, float] = field(default_factory=dict)
    models: list[RegisteredModel] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stop_signal: str | None = None
    learning_curve_uri: str | None = None
    tensorboard_dir: str | None = None
    """The run's TensorBoard event files (``tensorboard --logdir`` this folder)."""


def train(
    experiment: Experiment | None = None,
    *,
    env_runners: int | None = None,
    resume: str | None = None,
    iterations: int | None = None,
    progress: ProgressCallback | None = None,
    stop: StopRequest | None = None,
    session_id: int | None = None,
    settings: Settings | None = None,
) -> TrainingResult:
    """Train ``experiment`` (or continue the run ``resume``) and register the result.

    Args:
        experiment: What to train; omitted when resuming (the run folder has it).
        env_runners: Overrides ``resources.num_env_runners`` (parallelism is a setting).
        resume: A run id or run folder; training continues from its last checkpoint,
            with iteration and env-step counts continuing too.
        iterations: Run at most this many iterations now (besides ``training.episodes``).
        progress: Called after every iteration (the CLI prints ``Progress.line()``).
        stop: A stop flag to share with another thread; SIGINT/SIGTERM raise it too.
        session_id: An existing session to report to (the lab API creates it before
            submitting the job); by default a new experiment row and session are made.
        settings: Defaults to :func:`arenalab.settings.get_settings`.

    Raises:
        ValueError: if neither or both of ``experiment`` and ``resume`` are given.
        ExperimentError: if ``experiment.rllib`` holds keywords RLlib does not know.
        NotFoundError: if an arena fighter id is not in the registry.
        RunNotFoundError: if ``resume`` names no run with a complete checkpoint.
    """
    settings = settings or get_settings()
    registry = Registry.from_settings(settings)
    storage = open_storage(settings)
    if (experiment is None) == (resume is None):
        raise ValueError("give either an experiment or resume=RUN, not both or neither")
    start_from = None
    if resume is not None:
        run = open_run(storage, resume)
        experiment, info = run.read_manifest()
        start_from = run.latest_checkpoint()
    built = build_config(experiment, env_runners=env_runners)  # fails before any row exists
    if resume is None:
        run = new_run(storage, experiment)
        info = register_run(registry, experiment, run, session_id)
    session_id = info["session_id"]
    connect_ray(settings)
    algo = built.config.build_algo()
    try:
        if start_from is not None:
            algo.restore_from_path(start_from[1])
        registry.update_session(session_id, started_at=utcnow(), run_uri=run.uri, error=None)
        with contextlib.suppress(ConflictError):  # a pause or stop asked before this wins
            registry.transition_session(session_id, RUNS_FROM)
        board = RunBoard(tensorboard_dir(run, settings))
        with stop or StopRequest() as stopping, board:
            checks = PeriodicEvaluation(experiment, built.spec, run, settings)
            result, saved = _loop(
                algo,
                experiment,
                run,
                registry,
                session_id,
                iterations,
                progress,
                stopping,
                checks,
                board,
            )
        checkpoint = saved or run.save(algo, algo.iteration)
        models = []
        if stopping.requested:  # "stopping" was set by whoever asked for a final stop
            registry.transition_session(session_id, ENDS_STOPPED)
        else:
            models = register_models(registry, experiment, built.spec, info, checkpoint, settings)
            registry.update_session(session_id, status="finished", finished_at=utcnow())
        curve = write_learning_curve(
            run,
            registry.list_metrics(session_id),
            f"{experiment.name} ({experiment.algorithm.value})",
            random_line=not is_arena(experiment),
        )
    except BaseException as exc:
        registry.update_session(session_id, status="failed", error=f"{type(exc).__name__}: {exc}")
        raise
    finally:
        algo.stop()
    metrics = iteration_metrics(result)
    return TrainingResult(
        run_id=run.run_id,
        run_uri=run.uri,
        experiment_id=info["experiment_id"],
        session_id=session_id,
        status="paused" if stopping.requested else "finished",
        iterations=algo.iteration,
        env_steps=int(metrics.get("num_env_steps_sampled_lifetime", 0)),
        episodes=int(metrics.get("num_episodes_lifetime", 0)),
        checkpoint_uri=checkpoint,
        metrics=metrics,
        models=models,
        warnings=built.warnings,
        stop_signal=stopping.signal,
        learning_curve_uri=curve,
        tensorboard_dir=board.logdir,
    )


def register_run(
    registry: Registry, experiment: Experiment, run: RunDir, session_id: int | None
) -> dict[str, Any]:
    """Create (or adopt) the experiment and session rows, and write the run manifest."""
    fighters = getattr(experiment.game, "fighters", [])
    for fighter_id in fighters:
        registry.get_fighter(fighter_id)  # NotFoundError names the missing fighter
    if session_id is not None:
        session = registry.get_session(session_id)
    else:
        row = registry.create_experiment(**record_fields(experiment))
        session = registry.create_session(
            experiment_id=row.id, fighter_id=fighters[0] if fighters else None, status="created"
        )
    info = {"run_id": run.run_id, "experiment_id": session.experiment_id, "session_id": session.id}
    run.write_manifest(experiment, info)
    return info


def _loop(
    algo: Any,
    experiment: Experiment,
    run: RunDir,
    registry: Registry,
    session_id: int,
    iterations: int | None,
    progress: ProgressCallback | None,
    stopping: StopRequest,
    checks: PeriodicEvaluation | None = None,
    board: RunBoard | None = None,
) -> tuple[dict[str, Any], str | None]:
    """Train until a stop criterion or a stop request; returns the last result and checkpoint."""
    criteria = stop_criteria(experiment)
    first_iteration, started = algo.iteration, time.monotonic()
    budget = _iteration_budget(iterations, criteria.get("training_iteration"), first_iteration)
    start_episodes = start_steps = None
    while True:
        result = algo.train()
        metrics = iteration_metrics(result)
        episodes = int(metrics.get("num_episodes_lifetime", 0))
        steps = int(metrics.get("num_env_steps_sampled_lifetime", 0))
        start_episodes = episodes if start_episodes is None else start_episodes
        start_steps = steps if start_steps is None else start_steps
        if checks is not None:
            metrics.update(checks(algo))
        registry.record_metrics(session_id, algo.iteration, steps, metrics)
        if board is not None:
            board.record(steps, metrics)
        done_now = algo.iteration - first_iteration
        elapsed = time.monotonic() - started
        if progress is not None:
            progress(
                Progress(
                    iteration=algo.iteration,
                    env_steps=steps,
                    episodes=episodes,
                    episode_return=finite(metrics.get("episode_return_mean")),
                    steps_per_s=_rate(result),
                    elapsed_s=elapsed,
                    eta_s=estimate_eta(
                        elapsed_s=elapsed,
                        done_episodes=episodes,
                        start_episodes=start_episodes,
                        target_episodes=criteria[EPISODES_METRIC],
                        done_iterations=done_now,
                        target_iterations=budget,
                        done_steps=steps,
                        start_steps=start_steps,
                        target_steps=criteria.get(STEPS_METRIC),
                    ),
                )
            )
        finished = (
            episodes >= criteria[EPISODES_METRIC]
            or steps >= criteria.get(STEPS_METRIC, float("inf"))
            or (budget is not None and done_now >= budget)
        )
        if finished or stopping.requested:
            return result, run.save(algo, algo.iteration)
        if algo.iteration % experiment.run.checkpoint_every == 0:
            run.save(algo, algo.iteration)


def _iteration_budget(
    iterations: int | None, max_iterations: int | None, first_iteration: int
) -> int | None:
    """Iterations this call may run: ``iterations``, and what ``run.max_iterations`` leaves."""
    limits = [iterations, max_iterations - first_iteration if max_iterations else None]
    known = [limit for limit in limits if limit is not None]
    return max(1, min(known)) if known else None


def _rate(result: dict[str, Any]) -> float:
    """Env steps per second of this iteration."""
    steps = finite(result.get("env_runners", {}).get("num_env_steps_sampled")) or 0.0
    seconds = finite(result.get("time_this_iter_s")) or 0.0
    return steps / seconds if seconds > 0 else 0.0


class PeriodicEvaluation:
    """Every ``run.evaluation_every`` iterations: checkpoint, then a quick greedy score.

    The same protocol as the final score over ``run.periodic_evaluation_episodes``
    episodes; its figures (``evaluation/...``) join the iteration's metrics row, so the
    log, the lab's ``metrics`` channel and the learning curve all carry them.
    """

    def __init__(self, experiment: Experiment, spec: Any, run: RunDir, settings: Settings) -> None:
        self.experiment, self.run, self.settings = experiment, run, settings
        self.every = experiment.run.evaluation_every
        self.module_id = next((m for m in spec.policies_to_train if evaluable(m)), None)

    def __call__(self, algo: Any) -> dict[str, float]:
        """The evaluation figures of this iteration (none between evaluations)."""
        if not self.every or self.module_id is None or algo.iteration % self.every:
            return {}
        episodes = self.experiment.run.periodic_evaluation_episodes
        checkpoint = self.run.save(algo, algo.iteration)
        result = score_checkpoint(
            self.experiment, checkpoint, self.module_id, episodes, settings=self.settings
        )
        figures = result.summary()
        log.info("iteration %d evaluation: %s", algo.iteration, figures)
        return figures


def register_models(
    registry: Registry,
    experiment: Experiment,
    spec: Any,
    info: dict[str, Any],
    checkpoint: str,
    settings: Settings,
) -> list[RegisteredModel]:
    """Score every trained policy with the scoring protocol and register it with its score."""
    models = []
    for module_id in spec.policies_to_train:
        row = registry.register_model(
            experiment_id=info["experiment_id"],
            session_id=info["session_id"],
            fighter_id=spec.fighter_of.get(module_id),
            algorithm=experiment.algorithm.value,
            env_id=spec.env_id,
            obs_spec=spec.obs_spec,
            module_id=module_id,
            checkpoint_uri=checkpoint,
        )
        result = None
        if evaluable(module_id):
            result = score_checkpoint(
                experiment,
                checkpoint,
                module_id,
                experiment.run.evaluation_episodes,
                settings=settings,
            )
            row = store_score(registry, row.id, result)
        models.append(registered_model(registry.get_model(row.id), result))
    return models


def registered_model(row: Any, result: Score | None) -> RegisteredModel:
    """The run's view of a registry row and the score it was given."""
    main = result.results["model"][result.main_opponent] if result else None
    return RegisteredModel(
        model_id=row.id,
        module_id=row.module_id,
        fighter_id=row.fighter_id,
        checkpoint_uri=row.checkpoint_uri,
        eval_return=row.eval_return,
        win_rate=main.win_rate if main else None,
        rating=row.rating,
        is_best=row.is_best,
        beats_random=row.beats_random,
        margin=result.margin[0] if result else None,
    )


__all__ = ["RegisteredModel", "TrainingResult", "train"]
