"""Registry round trips on SQLite and PostgreSQL, concurrent writers, backup and restore."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from arenalab.registry import ConflictError, NotFoundError, Registry
from arenalab.registry.backup import backup, restore
from arenalab.registry.database import schema_revision
from sqlalchemy import inspect

WRITERS, ROWS_PER_WRITER = 20, 25


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def registry(request: pytest.FixtureRequest, tmp_path: Path) -> Registry:
    """The same repository API against both supported databases."""
    if request.param == "sqlite":
        return Registry.from_url(f"sqlite:///{tmp_path / 'registry.db'}")
    url = request.getfixturevalue("postgres_url")
    registry = Registry.from_url(url)
    with registry.engine.begin() as connection:  # each test starts from empty tables
        for table in (
            "metrics",
            "models",
            "training_sessions",
            "episodes",
            "experiments",
            "fighters",
        ):
            connection.exec_driver_sql(f"TRUNCATE {table} RESTART IDENTITY CASCADE")
    return registry


def test_schema_is_created_and_versioned(registry: Registry) -> None:
    """Opening a registry creates every table at a recorded Alembic revision."""
    tables = set(inspect(registry.engine).get_table_names())
    assert {
        "fighters",
        "episodes",
        "experiments",
        "training_sessions",
        "models",
        "metrics",
    } <= tables
    assert schema_revision(registry.engine) is not None
    Registry(registry.engine)  # opening again is a no-op upgrade, not an error


def test_seed_fighter_episode_round_trip(registry: Registry) -> None:
    """The seed's fighter and episode flow round-trips; stats count closed episodes."""
    fighter = registry.create_fighter("bacon-cyborg.glb", {"size": 1.0, "speed": 1.0})
    assert registry.get_fighter(fighter.id).metadata_json == {"size": 1.0, "speed": 1.0}
    won = registry.create_episode(fighter.id, episode_number=1, opponent_ids=[2, 3, 4])
    lost = registry.create_episode(fighter.id, episode_number=2, opponent_ids=[2])
    registry.close_episode(
        won.id, total_reward=150.5, duration_frames=3000, is_victory=True, rank=1
    )
    registry.close_episode(
        lost.id, total_reward=-20.0, duration_frames=1000, is_victory=False, rank=3
    )
    registry.create_episode(fighter.id, episode_number=3)  # still open: not in the stats

    stats = registry.fighter_stats(fighter.id)
    assert stats["episodes"] == 2 and stats["victories"] == 1 and stats["win_rate"] == 0.5
    assert stats["best_reward"] == 150.5 and stats["mean_duration_frames"] == 2000
    assert registry.get_episode(won.id).opponent_ids == [2, 3, 4]
    assert [e.episode_number for e in registry.list_episodes(fighter.id, status="open")] == [3]


def test_unknown_ids_raise_not_found(registry: Registry) -> None:
    """Unknown ids raise NotFoundError naming the id and write nothing."""
    with pytest.raises(NotFoundError, match="fighter 999"):
        registry.get_fighter(999)
    with pytest.raises(NotFoundError, match="fighter 999"):
        registry.create_episode(999, episode_number=1)
    assert registry.list_episodes() == []


def _scored(
    protocol: str,
    *,
    rating: float | None = None,
    eval_return: float | None = None,
    episodes: int = 100,
    beats_random: bool = True,
) -> dict:
    return {
        "protocol": protocol,
        "eval_episodes": episodes,
        "beats_random": beats_random,
        "rating": rating,
        "eval_return": eval_return,
    }


def test_best_model_follows_the_one_rule(registry: Registry) -> None:
    """Best: top rating per fighter, top eval return per experiment, among qualifying models.

    Qualifying: scored under the newest qualifying protocol, over >= 100 episodes, and
    clearly better than random.
    """
    fighter = registry.create_fighter("a.glb")
    experiment = registry.create_experiment(name="pac", algorithm="PPO", environment="pacman")
    common = {"algorithm": "PPO", "env_id": "arenalab/Arena-v0", "obs_spec": "arena-obs-v2"}
    first = registry.register_model(fighter_id=fighter.id, checkpoint_uri="/c/1", **common)
    assert registry.best_model(fighter_id=fighter.id) is None  # never evaluated, never best
    second = registry.register_model(fighter_id=fighter.id, checkpoint_uri="/c/2", **common)
    registry.set_model_scores(first.id, **_scored("fights A", rating=12.5))
    registry.set_model_scores(second.id, **_scored("fights A", rating=11.0))
    assert registry.best_model(fighter_id=fighter.id).id == first.id
    registry.set_model_scores(second.id, **_scored("fights A", rating=13.0))
    assert registry.best_model(fighter_id=fighter.id).id == second.id
    assert [m.is_best for m in registry.list_models(fighter_id=fighter.id)] == [True, False]
    registry.set_model_scores(second.id, **_scored("fights A", rating=30.0, beats_random=False))
    assert registry.best_model(fighter_id=fighter.id).id == first.id  # no clear margin: out
    registry.set_model_scores(second.id, **_scored("fights A", rating=30.0, episodes=20))
    assert registry.best_model(fighter_id=fighter.id).id == first.id  # too few episodes: out
    third = registry.register_model(fighter_id=fighter.id, checkpoint_uri="/c/3", **common)
    registry.set_model_scores(third.id, **_scored("fights B", rating=1.0))
    assert registry.best_model(fighter_id=fighter.id).id == third.id  # only B compares now
    assert registry.get_model(third.id).protocol == "fights B"

    pac = {"algorithm": "PPO", "env_id": "arenalab/PacMan-v0", "obs_spec": "pacman-obs-v1"}
    low = registry.register_model(experiment_id=experiment.id, checkpoint_uri="/p/1", **pac)
    high = registry.register_model(experiment_id=experiment.id, checkpoint_uri="/p/2", **pac)
    registry.set_model_scores(low.id, **_scored("maze", eval_return=3.0))
    registry.set_model_scores(
        high.id, **_scored("maze", eval_return=9.0), evaluation={"episodes": 100}
    )
    assert registry.best_model(experiment_id=experiment.id).id == high.id
    assert not registry.get_model(low.id).is_best
    assert registry.get_model(high.id).metrics["evaluation"] == {"episodes": 100}
    with pytest.raises(TypeError, match="unknown score fields"):
        registry.set_model_scores(low.id, elo=1.0)


def test_experiment_in_use_cannot_be_deleted(registry: Registry) -> None:
    """Metrics advance a session; an experiment with sessions cannot be deleted."""
    experiment = registry.create_experiment(name="e", algorithm="DQN", environment="pacman")
    session = registry.create_session(experiment_id=experiment.id)
    registry.record_metrics(session.id, iteration=1, env_steps=512, values={"return": 1.5})
    registry.record_metrics(session.id, iteration=2, env_steps=1024, values={"return": 2.5})
    assert registry.get_session(session.id).env_steps == 1024
    assert [m.values["return"] for m in registry.list_metrics(session.id, after_iteration=1)] == [
        2.5
    ]
    with pytest.raises(ConflictError):
        registry.delete_experiment(experiment.id)
    spare = registry.create_experiment(name="spare", algorithm="PPO", environment="pacman")
    registry.delete_experiment(spare.id)
    assert [e.name for e in registry.list_experiments()] == ["e"]


def _write_rows(url: str, writer: int) -> None:
    registry = Registry.from_url(url)
    for row in range(ROWS_PER_WRITER):
        fighter = registry.create_fighter(f"w{writer}-r{row}.glb")
        registry.create_episode(fighter.id, episode_number=row)


def test_concurrent_writers_lose_nothing(registry: Registry) -> None:
    """20 processes writing at once: every row lands, nobody sees 'database is locked'."""
    url = registry.engine.url.render_as_string(hide_password=False)
    registry.engine.dispose()
    context = multiprocessing.get_context("spawn")
    with context.Pool(WRITERS) as pool:
        pool.starmap(_write_rows, [(url, writer) for writer in range(WRITERS)])
    assert len(registry.list_fighters()) == WRITERS * ROWS_PER_WRITER
    assert len(registry.list_episodes()) == WRITERS * ROWS_PER_WRITER


def test_backup_and_restore_round_trip(registry: Registry, tmp_path: Path) -> None:
    """A backup restores exactly the rows that existed when it was taken."""
    kept = registry.create_fighter("kept.glb")
    target = backup(registry.engine, tmp_path / "registry.backup")
    registry.create_fighter("after-backup.glb")
    restore(registry.engine, target)
    assert [f.glb_filename for f in registry.list_fighters()] == [kept.glb_filename]
    assert registry.create_fighter("next.glb").id > kept.id  # the restored db is writable


def test_session_transitions_are_compare_and_set(registry: Registry) -> None:
    """Of 8 threads starting one session at once exactly one wins; the rest get 409s."""
    experiment = registry.create_experiment(name="race", algorithm="ppo", environment="pacman")
    session_id = registry.create_session(experiment_id=experiment.id, status="created").id
    barrier = threading.Barrier(8)

    def start() -> str:
        barrier.wait()
        try:
            return registry.transition_session(session_id, {"created": "starting"}).status
        except ConflictError as exc:
            return str(exc)

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda _: start(), range(8)))
    assert outcomes.count("starting") == 1
    assert outcomes.count(f"session {session_id} is starting, not created") == 7

    stopped = registry.transition_session(session_id, {"starting": "stopping"})
    with pytest.raises(ConflictError):  # the job's late "running" never overwrites a stop
        registry.transition_session(session_id, {"created": "running", "starting": "running"})
    ended = registry.transition_session(
        session_id, {"stopping": "stopped", "running": "paused"}, iterations=3
    )
    assert (stopped.status, ended.status, ended.iterations) == ("stopping", "stopped", 3)
    with pytest.raises(NotFoundError):
        registry.transition_session(999, {"created": "starting"})
