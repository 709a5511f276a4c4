"""Offline training end to end: game frames over HTTP -> RLlib view -> BC, MARWIL, CQL, IQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from arenalab.datasets.selection import parse_selector
from arenalab.offline import OfflineAlgorithm, OfflineBudget, train_offline
from arenalab.registry import Registry
from arenalab.serving.app import create_app
from arenalab.settings import Settings, load_settings
from arenalab.storage import open_storage
from fastapi.testclient import TestClient

from tests.arena_sessions import scripted_episodes
from tests.arenalab.datasets.stored import frame, store_episodes

HEAVY = {"size": 2.0, "speed": 2.0}  # a body with which the scripted expert beats random
SESSION_EPISODES = 40
BC_MARGIN = 2.0  # random scores about -0.4 here; BC reached about +4.8 in trials


@pytest.fixture(scope="module")
def arena_session(ray_head, tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, int]:
    """A scripted arena session (heuristic vs random) posted over the ingestion HTTP API."""
    settings = load_settings(data_dir=tmp_path_factory.mktemp("offline") / "data")
    metadata = {"obs_spec": "arena-obs-v1", **HEAVY}
    with TestClient(create_app(settings)) as client:
        body = {"glb_filename": "heavy.glb", "metadata_json": metadata}
        fighter_id = client.post("/api/fighters", json=body).json()["id"]
        for frames in scripted_episodes(SESSION_EPISODES, seed=100, learner=HEAVY):
            episode = client.post("/api/episodes", json={"fighter_id": fighter_id}).json()["id"]
            for item in frames:
                item["episode_id"] = episode
            assert client.post("/api/fight-frames/batch", json=frames).status_code == 200
            outcome = {
                "total_reward": frames[-1]["cumulative_reward"],
                "duration_frames": len(frames),
            }
            assert client.patch(f"/api/episodes/{episode}", json=outcome).status_code == 200
    return settings, fighter_id


def test_bc_on_posted_frames_beats_random_in_the_arena(arena_session) -> None:
    """BC cloned from the posted session outscores the random policy on the same seeds."""
    settings, fighter_id = arena_session
    result = train_offline(
        OfflineAlgorithm.BC,
        parse_selector(f"fighter={fighter_id},source=game"),
        iterations=10,
        budget=OfflineBudget(updates_per_iteration=50, lr=3e-3),
        evaluate_episodes=20,
        settings=settings,
    )
    assert result.score is not None
    assert result.score.margin > BC_MARGIN, result.score
    model = Registry.from_settings(settings).get_model(result.model_id)
    assert (model.algorithm, model.env_id, model.obs_spec) == (
        "BC",
        "arenalab/Arena-v0",
        "arena-obs-v1",
    )
    assert model.fighter_id == fighter_id and model.rating == result.score.rating
    assert model.eval_return == pytest.approx(result.score.score.eval_return)
    assert model.protocol == result.score.score.protocol.id and model.eval_episodes == 20
    assert Path(model.checkpoint_uri, "COMPLETE").exists()


@pytest.mark.parametrize(
    "algorithm", [OfflineAlgorithm.MARWIL, OfflineAlgorithm.CQL, OfflineAlgorithm.IQL]
)
def test_marwil_cql_and_iql_train_one_iteration(arena_session, algorithm) -> None:
    """Each offline algorithm trains an iteration on the same view and is registered."""
    settings, fighter_id = arena_session
    result = train_offline(
        algorithm,
        parse_selector(f"fighter={fighter_id}"),
        iterations=1,
        budget=OfflineBudget(batch_size=64, updates_per_iteration=2),
        settings=settings,
    )
    assert result.samples_trained > 0
    assert any(key.endswith("_loss") for key in result.metrics), result.metrics
    assert Registry.from_settings(settings).get_model(result.model_id).algorithm == (
        algorithm.rllib_name
    )


def test_custom_obs_spec_trains_with_the_space_from_the_data(ray_head, data_dir: Path) -> None:
    """Frames without a declared spec train offline but cannot be evaluated in the arena."""
    settings = load_settings(data_dir=data_dir)
    episodes = [[frame(n, [0.1 * n] * 8) for n in range(30)] for _ in range(3)]
    fighter_id, _ = store_episodes(
        open_storage(settings),
        Registry.from_settings(settings),
        episodes,
        metadata={},
        obs_spec="custom",
    )
    selection = parse_selector(f"fighter={fighter_id}")
    result = train_offline(
        OfflineAlgorithm.BC,
        selection,
        iterations=1,
        budget=OfflineBudget(batch_size=32, updates_per_iteration=1),
        settings=settings,
    )
    assert (result.obs_spec, result.env_id) == ("custom", "dataset:arena")
    with pytest.raises(ValueError, match="evaluate needs arena-obs-v1") as refused:
        train_offline(OfflineAlgorithm.BC, selection, evaluate_episodes=1, settings=settings)
    assert '"obs_spec": "arena-obs-v2"' in str(refused.value)  # how to declare it


def _cli(*args: str, data_dir: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "arenalab", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "ARENALAB_DATA_DIR": str(data_dir)},
    )


def test_cli_lists_datasets_and_rejects_a_bad_selector(arena_session, ray_head) -> None:
    """``datasets ls`` reports the session; ``offline`` names a bad selector's field."""
    settings, _ = arena_session
    env = {**os.environ, **ray_head.env}
    listed = _cli("datasets", "ls", "--json", data_dir=settings.data_dir, env=env)
    assert listed.returncode == 0, listed.stderr
    (arena,) = [d for d in json.loads(listed.stdout) if d["source"] == "game"]
    assert arena["episodes"] == SESSION_EPISODES and arena["schema_versions"] == [1]
    assert arena["rows"] > SESSION_EPISODES * 10
    described = _cli("datasets", "describe", "arena", data_dir=settings.data_dir, env=env)
    assert described.returncode == 0, described.stderr
    report = json.loads(described.stdout)
    assert report["closed_game_episodes"] == SESSION_EPISODES and report["sim"]["episodes"] == 0
    bad = _cli(
        "offline", "--algo", "bc", "--dataset", "fighter=abc", data_dir=settings.data_dir, env=env
    )
    assert bad.returncode == 2 and "'fighters" in bad.stderr
