"""The RLlib view read with Ray Data: filters, schema evolution, sim + game sources, catalog."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest
import ray
from arenalab.datasets.catalog import list_datasets
from arenalab.datasets.episodes import RLLIB_COLUMNS
from arenalab.datasets.export import ExportError, ExportFormat, export_selection
from arenalab.datasets.files import write_parquet
from arenalab.datasets.recording import enable_recording
from arenalab.datasets.schema import FRAME_SCHEMA, VERSION_KEY, dataset_root
from arenalab.datasets.selection import parse_selector
from arenalab.datasets.view import (
    EmptySelectionError,
    read_game_view,
    read_view,
    selection_spec,
)
from arenalab.envs.arena.actions import controls_space
from arenalab.registry import Registry
from arenalab.settings import load_settings
from arenalab.storage import Storage, open_storage

from tests.arena_sessions import scripted_episodes
from tests.arenalab.datasets.stored import frame, frame_table, store_episodes


@pytest.fixture
def stores(ray_head, data_dir: Path) -> tuple[Storage, Registry]:
    """Storage and registry of a private data folder, with Ray joined."""
    settings = load_settings(data_dir=data_dir)
    return open_storage(settings), Registry.from_settings(settings)


def _frames(count: int, reward: float = 1.0, width: int = 3) -> list[dict]:
    return [frame(n, [float(n)] * width, reward) for n in range(count)]


def _eps(view) -> set[str]:
    return set(view.unique("eps_id"))


def test_selection_filters_fighters_days_returns_and_open_episodes(stores) -> None:
    """Only closed episodes of the selected fighters, days and returns reach the view."""
    storage, registry = stores
    a, (a1, a2) = store_episodes(
        storage, registry, [_frames(4), _frames(3, reward=-1.0)], obs_spec="custom"
    )
    b, (b1,) = store_episodes(storage, registry, [_frames(5)], obs_spec="custom", day="2026-11-20")
    _, (open_episode,) = store_episodes(
        storage, registry, [_frames(2)], obs_spec="custom", close=False
    )
    closed = [e.id for e in registry.list_episodes(status="closed")]
    everything = read_view(storage, parse_selector("source=game"), closed).to_arrow_refs()
    rows = pa.concat_tables(ray.get(everything))
    assert set(rows["eps_id"].to_pylist()) == {f"{a1}-0", f"{a2}-0", f"{b1}-0"}
    assert rows.num_rows == 4 + 3 + 5
    only_a = read_view(storage, parse_selector(f"fighter={a}"), closed)
    assert _eps(only_a) == {f"{a1}-0", f"{a2}-0"}
    late = read_view(storage, parse_selector("from=2026-11-21"), closed)
    assert _eps(late) == {f"{a1}-0", f"{a2}-0"}
    winners = read_view(storage, parse_selector("min_return=0"), closed)
    assert _eps(winners) == {f"{a1}-0", f"{b1}-0"}
    assert selection_spec(storage, parse_selector(f"fighter={b}"), closed) == ("custom", 3)
    assert open_episode not in closed
    with pytest.raises(EmptySelectionError, match="no closed episodes"):
        read_view(storage, parse_selector("game=pacman"), closed)


def test_a_bad_episode_is_skipped_instead_of_failing_the_selection(stores) -> None:
    """An episode of mixed observation lengths drops out; its fighter's other episodes stay."""
    storage, registry = stores
    bad = _frames(3) + [frame(3, [1.0, 2.0])]
    fighter, (good, broken) = store_episodes(
        storage, registry, [_frames(4), bad], obs_spec="custom"
    )
    view = read_view(storage, parse_selector(f"fighter={fighter}"), [good, broken])
    assert _eps(view) == {f"{good}-0"} and view.count() == 4


def test_schema_version_n_stays_readable_after_n_plus_1_adds_a_column(stores) -> None:
    """A v1 file and a v2 file with an extra column are read together by a v2 reader."""
    storage, registry = stores
    fighter, (old, new) = store_episodes(
        storage, registry, [_frames(3), _frames(4)], obs_spec="custom", close=True
    )
    root = dataset_root(storage)
    for info in storage.filesystem.get_file_info(pafs.FileSelector(root, recursive=True)):
        if info.is_file:
            storage.filesystem.delete_file(info.path)
    v1 = frame_table([_frames(3)], [old], fighter, "custom")
    write_parquet(storage.filesystem, f"{root}/date=2026-11-24", v1)
    v2_schema = FRAME_SCHEMA.append(pa.field("stamina", pa.float32())).with_metadata(
        {VERSION_KEY: b"2"}
    )
    v2 = frame_table([_frames(4)], [new], fighter, "custom")
    v2 = v2.set_column(
        v2.schema.get_field_index("schema_version"),
        "schema_version",
        pa.array([2] * v2.num_rows, pa.int16()),
    )
    v2 = v2.append_column("stamina", pa.array([0.5] * v2.num_rows, pa.float32()))
    write_parquet(storage.filesystem, f"{root}/date=2026-11-25", v2.cast(v2_schema))
    both = read_game_view(storage, parse_selector(""), [old, new], max_schema_version=2)
    assert both.count() == 3 + 4 and _eps(both) == {f"{old}-0", f"{new}-0"}
    with pytest.raises(Exception, match="schema_version 2 is newer than 1"):
        read_game_view(storage, parse_selector(""), [old, new]).materialize()


def test_simulated_and_game_episodes_read_together(stores, tmp_path: Path, monkeypatch) -> None:
    """Episodes RLlib records in simulation join the game's frames in one view and export.

    The Minari export is a dataset ``minari.load_dataset`` reads back, episode by episode.
    """
    import minari  # the optional extra `arenalab[minari]`
    from arenalab.envs import register_rllib_envs
    from ray.rllib.algorithms.ppo import PPOConfig

    storage, registry = stores
    game = list(scripted_episodes(2, max_steps=15))
    fighter, game_ids = store_episodes(storage, registry, game)
    register_rllib_envs()
    config = (
        PPOConfig()
        .environment("arenalab/Arena-v0", env_config={"max_steps": 15, "obs_spec": "arena-obs-v1"})
        .env_runners(num_env_runners=0)
        .training(train_batch_size_per_learner=45, minibatch_size=45, num_epochs=1)
    )
    enable_recording(config, storage, game="arena", fighter_id=fighter, obs_spec="arena-obs-v1")
    algo = config.build_algo()
    algo.train()
    algo.stop()  # writes the episodes still buffered

    rows = read_view(storage, parse_selector(f"fighter={fighter}"), game_ids).take_all()
    by_source = {s: [r for r in rows if r["source"] == s] for s in ("game", "sim")}
    assert len(by_source["game"]) == sum(len(frames) for frames in game)
    assert len(by_source["sim"]) >= 45 and {r["fighter_id"] for r in rows} == {fighter}
    assert {len(r["obs"]) for r in rows} == {49}
    ends = [r for r in by_source["sim"] if r["terminateds"] or r["truncateds"]]
    assert len(ends) == len({r["eps_id"] for r in by_source["sim"]})

    listed = {(d.game, d.source.value): d for d in list_datasets(storage)}
    assert listed["arena", "game"].episodes == 2 and listed["arena", "game"].schema_versions == (1,)
    assert listed["arena", "sim"].episodes == len(ends)
    out = tmp_path / "minari"
    summary = export_selection(storage, parse_selector(""), game_ids, str(out), ExportFormat.MINARI)
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(out))
    dataset = minari.load_dataset(summary["dataset_id"])
    assert dataset.total_episodes == summary["episodes"] == 2 + len(ends)
    assert dataset.total_steps == summary["steps"] == len(rows)
    assert dataset.observation_space.shape == (49,) and dataset.action_space == controls_space()
    ids = [m["eps_id"] for m in dataset.storage.get_episode_metadata(dataset.episode_indices)]
    assert sorted(ids) == sorted({r["eps_id"] for r in rows})
    for eps_id, episode in zip(ids, dataset.iterate_episodes(), strict=True):
        mine = sorted((r for r in rows if r["eps_id"] == eps_id), key=lambda r: r["t"])
        assert len(episode.observations) == len(mine) + 1
        assert episode.rewards.tolist() == pytest.approx([r["rewards"] for r in mine])
        np.testing.assert_allclose(episode.actions, [r["actions"] for r in mine], rtol=1e-6)
        assert episode.terminations[-1] == mine[-1]["terminateds"]
    with pytest.raises(ExportError, match="already holds the Minari dataset"):
        export_selection(storage, parse_selector(""), game_ids, str(out), ExportFormat.MINARI)
    rows_out = tmp_path / "rows"
    export_selection(storage, parse_selector("source=sim"), [], str(rows_out), ExportFormat.PARQUET)
    exported = pq.read_table(rows_out)
    assert exported.num_rows == len(by_source["sim"]) and set(RLLIB_COLUMNS) <= set(
        exported.column_names
    )


def test_groupings_shuffle_by_sorting_unless_ray_data_is_told_otherwise(
    ray_head, monkeypatch
) -> None:
    """Sort-based by default (no aggregator actors); RAY_DATA_DEFAULT_SHUFFLE_STRATEGY wins."""
    from arenalab.datasets.view import SHUFFLE_STRATEGY_VARIABLE, group_by
    from ray.data.context import DataContext, ShuffleStrategy

    monkeypatch.delenv(SHUFFLE_STRATEGY_VARIABLE, raising=False)
    rows = ray.data.from_items([{"eps_id": "a"}, {"eps_id": "b"}])
    grouped = group_by(rows, "eps_id")
    assert grouped._dataset.context.shuffle_strategy == ShuffleStrategy.SORT_SHUFFLE_PULL_BASED
    assert DataContext.get_current().shuffle_strategy != ShuffleStrategy.SORT_SHUFFLE_PULL_BASED
    monkeypatch.setenv(SHUFFLE_STRATEGY_VARIABLE, "hash_shuffle")
    chosen = ray.data.from_items([{"eps_id": "a"}])
    chosen.context.shuffle_strategy = ShuffleStrategy.HASH_SHUFFLE  # what Ray Data read
    assert (
        group_by(chosen, "eps_id")._dataset.context.shuffle_strategy == ShuffleStrategy.HASH_SHUFFLE
    )
