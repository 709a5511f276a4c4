"""The RLlib view read with Ray Data: filters, schema evolution, sim + game sources, catalog."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from arenalab.datasets.files import write_parquet
from arenalab.datasets.schema import FRAME_SCHEMA, VERSION_KEY, dataset_root
from arenalab.datasets.selection import parse_selector
from arenalab.datasets.view import EmptySelectionError, read_view, selection_spec
from arenalab.registry import Registry
from arenalab.settings import load_settings
from arenalab.storage import Storage, open_storage

from tests.arenalab.datasets.stored import frame, frame_table, store_episodes


@pytest.fixture
def stores(ray_head, data_dir: Path) -> tuple[Storage, Registry]:
    """Storage and registry of a private data folder, with Ray joined."""
    settings = load_settings(data_dir=data_dir)
    return open_storage(settings), Registry.from_settings(settings)


def _frames(count: int, reward: float = 1.0, width: int = 3) -> list[dict]:
    return [frame(n, [float(n)] * width, reward) for n in range(count)]


def _eps(view) -> set[str]:  # noqa: ANN001
    return set(view.unique("eps_id"))


def test_selection_filters_fighters_days_returns_and_open_episodes(stores) -> None:
    """Only closed episodes of the selected fighters, days and returns reach the view."""
    storage, registry = stores
    a, (a1, a2) = store_episodes(storage, registry, [_frames(4), _frames(3, reward=-1.0)],
                                 obs_spec="custom")  # fmt: skip
    b, (b1,) = store_episodes(storage, registry, [_frames(5)], obs_spec="custom", day="2026-11-20")
    _, (open_episode,) = store_episodes(storage, registry, [_frames(2)], obs_spec="custom",
                                        close=False)  # fmt: skip
    closed = [e.id for e in registry.list_episodes(status="closed")]
    everything = read_view(storage, parse_selector("source=game"), closed).to_arrow_refs()
    rows = pa.concat_tables(__import__("ray").get(everything))
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


def test_schema_version_n_stays_readable_after_n_plus_1_adds_a_column(stores) -> None:
    """A v1 file and a v2 file with an extra column are read together by a v2 reader."""
    storage, registry = stores
    fighter, (old, new) = store_episodes(storage, registry, [_frames(3), _frames(4)],
                                         obs_spec="custom", close=True)  # fmt: skip
    root = dataset_root(storage)
    for info in storage.filesystem.get_file_info(
        __import__("pyarrow.fs").fs.FileSelector(root, recursive=True)
    ):
        if info.is_file:
            storage.filesystem.delete_file(info.path)
    v1 = frame_table([_frames(3)], [old], fighter, "custom")
    write_parquet(storage.filesystem, f"{root}/date=2026-11-24", v1)
    v2_schema = FRAME_SCHEMA.append(pa.field("stamina", pa.float32())).with_metadata(
        {VERSION_KEY: b"2"}
    )
    v2 = frame_table([_frames(4)], [new], fighter, "custom")
    v2 = v2.set_column(v2.schema.get_field_index("schema_version"), "schema_version",
                       pa.array([2] * v2.num_rows, pa.int16()))  # fmt: skip
    v2 = v2.append_column("stamina", pa.array([0.5] * v2.num_rows, pa.float32()))
    write_parquet(storage.filesystem, f"{root}/date=2026-11-25", v2.cast(v2_schema))
    from arenalab.datasets.view import read_game_view  # noqa: PLC0415

    both = read_game_view(storage, parse_selector(""), [old, new], max_schema_version=2)
    assert both.count() == 3 + 4 and _eps(both) == {f"{old}-0", f"{new}-0"}
    with pytest.raises(Exception, match="schema_version 2 is newer than 1"):
        read_game_view(storage, parse_selector(""), [old, new]).materialize()
