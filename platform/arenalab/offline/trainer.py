"""``train_offline``: an offline RLlib algorithm on a dataset selection, registered like online.

The library form of ``arenalab offline``: resolve the selection's closed episodes from
the registry, read them through the RLlib view with Ray Data, train a few iterations
with progress, checkpoint under ``{storage}/runs/offline-{algo}-{id}``, record the
experiment, session, per-iteration metrics and model rows exactly as online training
does (same registry fields), and optionally score the model in the arena simulation with
the same scoring protocol as online models (:mod:`arenalab.offline.evaluation`).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from arenalab.cluster import connect_ray
from arenalab.datasets.episodes import monte_carlo_targets
from arenalab.datasets.schema import CUSTOM_OBS_SPEC
from arenalab.datasets.selection import Selection
from arenalab.datasets.view import (
    closed_episode_ids,
    observation_space,
    read_view,
    selection_spec,
)
from arenalab.envs.arena.actions import controls_space
from arenalab.offline.algorithms import OfflineAlgorithm, OfflineBudget, build_offline_config
from arenalab.offline.data import view_offline_data
from arenalab.offline.evaluation import ArenaScore, evaluate_in_arena
from arenalab.registry import Registry
from arenalab.registry.models import utcnow
from arenalab.settings import Settings, get_settings
from arenalab.storage import open_storage
from arenalab.training.evaluation import store_score
from arenalab.training.progress import Progress, ProgressCallback, estimate_eta, iteration_metrics
from arenalab.training.runs import RunDir

ARENA_ENV_ID = "arenalab/Arena-v0"


@dataclass(frozen=True)
class OfflineResult:
    """What an offline run produced: registry ids, checkpoint and (optional) arena score."""

    model_id: int
    experiment_id: int
    session_id: int
    checkpoint_uri: str
    obs_spec: str
    env_id: str
    iterations: int
    samples_trained: int
    seconds: float
    metrics: dict[str, float] = field(default_factory=dict)
    score: ArenaScore | None = None


def _not_evaluable(obs_spec: str) -> str:
    """Why frames of ``obs_spec`` cannot be scored in the simulator, and how to fix it."""
    reason = f"evaluate needs arena-obs-v1/-v2 episodes; the selection's obs_spec is {obs_spec!r}"
    if obs_spec != CUSTOM_OBS_SPEC:
        return reason
    return (
        f"{reason}: its fighter declared no observation layout, so the simulator cannot "
        "replay its frames. Register the fighter with the layout the game builds, e.g. "
        '{"glb_filename": ..., "metadata_json": {"size": 1.0, "speed": 1.0, '
        '"obs_spec": "arena-obs-v2"}} (`arenalab envs spec arena` prints it; '
        "docs/ingestion.md, Observation specs), record new episodes, or drop --evaluate"
    )


def env_id_for(obs_spec: str, game: str) -> str:
    """The env a model of this spec plays in: the arena for its specs (v1, v2), else the dataset."""
    from arenalab.envs.arena.spec import OBS_SIZES

    return ARENA_ENV_ID if obs_spec in OBS_SIZES else f"dataset:{game}"


def train_offline(
    algorithm: OfflineAlgorithm,
    selection: Selection,
    *,
    iterations: int = 10,
    budget: OfflineBudget | None = None,
    evaluate_episodes: int = 0,
    progress: ProgressCallback | None = None,
    settings: Settings | None = None,
) -> OfflineResult:
    """Train ``algorithm`` on the selected episodes, register the model and maybe score it.

    Raises:
        EmptySelectionError: if nothing matches ``selection``.
        ValueError: for ``--evaluate`` on data whose spec the arena cannot play
            (``custom``), or mixed observation specs.
    """
    settings = settings or get_settings()
    budget = budget or OfflineBudget()
    registry, storage = Registry.from_settings(settings), open_storage(settings)
    closed = closed_episode_ids(registry, selection)
    connect_ray(settings)
    obs_spec, length = selection_spec(storage, selection, closed)
    env_id = env_id_for(obs_spec, selection.game)
    if evaluate_episodes and env_id != ARENA_ENV_ID:
        raise ValueError(_not_evaluable(obs_spec))

    def build_view() -> Any:
        view = read_view(storage, selection, closed, gamma=budget.gamma)
        if algorithm.needs_returns:
            view = view.map_batches(monte_carlo_targets, batch_format="pyarrow")
        return view

    config = build_offline_config(
        algorithm,
        observation_space=observation_space(obs_spec, length),
        action_space=controls_space(),
        offline_data_class=view_offline_data(build_view),
        budget=budget,
    )
    fighter_id = selection.fighters[0] if len(selection.fighters) == 1 else None
    experiment = registry.create_experiment(
        name=f"offline-{algorithm.value}",
        description=f"offline {algorithm.rllib_name} on {selection.model_dump_json()}",
        algorithm=algorithm.rllib_name,
        environment=env_id,
        parameters={"selection": selection.model_dump(mode="json"), "iterations": iterations},
    )
    session = registry.create_session(
        experiment_id=experiment.id, fighter_id=fighter_id, status="running", started_at=utcnow()
    )
    run = RunDir(storage, f"offline-{algorithm.value}-{uuid.uuid4().hex[:8]}")
    registry.update_session(session.id, run_uri=run.uri)
    started = time.perf_counter()
    algo = config.build_algo()
    try:
        metrics, samples = _train(algo, iterations, registry, session.id, progress)
        checkpoint = run.checkpoint_uri(algo.iteration)
        algo.save_to_path(checkpoint)
        run.mark_complete(algo.iteration)
    except BaseException as exc:
        registry.update_session(session.id, status="failed", error=f"{type(exc).__name__}: {exc}")
        raise
    finally:
        algo.stop()
    seconds = time.perf_counter() - started
    metrics["samples_per_s"] = samples / seconds if seconds > 0 else 0.0
    model = registry.register_model(
        experiment_id=experiment.id,
        session_id=session.id,
        fighter_id=fighter_id,
        algorithm=algorithm.rllib_name,
        env_id=env_id,
        obs_spec=obs_spec,
        checkpoint_uri=checkpoint,
        metrics={"offline": metrics, "selection": selection.model_dump(mode="json")},
    )
    registry.update_session(session.id, status="finished", finished_at=utcnow())
    score = None
    if evaluate_episodes:
        body = _body(registry, fighter_id)
        score = evaluate_in_arena(
            checkpoint, evaluate_episodes, obs_spec=obs_spec, learner=body, settings=settings
        )
        store_score(registry, model.id, score.score)
    return OfflineResult(
        model_id=model.id,
        experiment_id=experiment.id,
        session_id=session.id,
        checkpoint_uri=checkpoint,
        obs_spec=obs_spec,
        env_id=env_id,
        iterations=iterations,
        samples_trained=samples,
        seconds=seconds,
        metrics=metrics,
        score=score,
    )


def _train(
    algo: Any,
    iterations: int,
    registry: Registry,
    session_id: int,
    progress: ProgressCallback | None,
) -> tuple[dict[str, float], int]:
    """Run the iterations, recording metrics; returns the last metrics and samples trained."""
    metrics: dict[str, float] = {}
    samples, started = 0, time.monotonic()
    for iteration in range(1, iterations + 1):
        result = algo.train()
        metrics = iteration_metrics(result)
        samples = int(_samples_trained(result))
        registry.record_metrics(session_id, iteration, samples, metrics)
        if progress is not None:
            elapsed = time.monotonic() - started
            eta = estimate_eta(
                elapsed_s=elapsed, done_iterations=iteration, target_iterations=iterations
            )
            figures = {"samples": samples, "loss": metrics.get("default_policy/total_loss")}
            progress(Progress(iteration, elapsed, eta, total=iterations, figures=figures))
    return metrics, samples


def _body(registry: Registry, fighter_id: int | None) -> dict[str, float]:
    """The fighter's size and speed (seed 000's metadata_json), which the arena simulates."""
    if fighter_id is None:
        return {}
    metadata = registry.get_fighter(fighter_id).metadata_json or {}
    return {key: float(metadata[key]) for key in ("size", "speed") if key in metadata}


def _samples_trained(result: dict[str, Any]) -> float:
    learners = result.get("learners", {}).get("__all_modules__", {})
    return float(learners.get("num_env_steps_trained_lifetime", 0) or 0)
