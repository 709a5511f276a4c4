"""What datasets the storage holds: sizes, episodes, frames and schema versions, from footers.

Listing reads only Parquet footers and one integer column, never the vectors, so
``arenalab datasets ls`` stays fast on object storage; the RLlib view is built only by
training and export.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.fs as pafs

from arenalab.datasets.recording import SIM_DIR, sim_root
from arenalab.datasets.schema import DATASETS_DIR, VERSION_KEY, dataset_root
from arenalab.datasets.selection import Source
from arenalab.storage import Storage


@dataclass(frozen=True)
class DatasetInfo:
    """One dataset: a game's frames (source ``game``) or its recorded sim episodes (``sim``)."""

    game: str
    source: Source
    uri: str
    files: int
    bytes: int
    episodes: int
    rows: int  # frames for game datasets, stored episodes for sim datasets
    schema_versions: tuple[int, ...]
    days: tuple[str, ...] = ()
    fighters: dict[int, int] = field(default_factory=dict)  # fighter id -> episodes

    def to_dict(self) -> dict:
        """Plain JSON for ``--json`` output."""
        return {**self.__dict__, "source": self.source.value, "fighters": dict(self.fighters)}


def _games(storage: Storage, path: str) -> list[str]:
    selector = pafs.FileSelector(path, allow_not_found=True)
    infos = storage.filesystem.get_file_info(selector)
    return sorted(i.base_name for i in infos if i.type == pafs.FileType.Directory)


def _files(storage: Storage, root: str) -> list[pafs.FileInfo]:
    selector = pafs.FileSelector(root, recursive=True, allow_not_found=True)
    return [
        info
        for info in storage.filesystem.get_file_info(selector)
        if info.is_file
        and info.base_name.endswith(".parquet")
        and not info.base_name.startswith(".")
    ]


def _open(storage: Storage, root: str) -> pads.Dataset:
    return pads.dataset(root, filesystem=storage.filesystem, format="parquet", partitioning="hive")


def describe_frames(storage: Storage, game: str) -> DatasetInfo:
    """Footprint of a game's frame dataset; episodes and fighters from the id columns."""
    root = dataset_root(storage, game)
    files = _files(storage, root)
    uri = storage.uri_of(DATASETS_DIR, game)
    if not files:
        return DatasetInfo(game, Source.GAME, uri, 0, 0, 0, 0, ())
    dataset = _open(storage, root)
    versions = {
        int((fragment.physical_schema.metadata or {}).get(VERSION_KEY, b"1"))
        for fragment in dataset.get_fragments()
    }
    ids = dataset.to_table(columns=["fighter_id", "episode_id"])
    pairs = ids.group_by(["fighter_id", "episode_id"]).aggregate([])
    per_fighter = pairs.group_by("fighter_id").aggregate([("episode_id", "count")])
    days = {
        part.split("=", 1)[1]
        for f in files
        for part in f.path.split("/")
        if part.startswith("date=")
    }
    return DatasetInfo(
        game=game,
        source=Source.GAME,
        uri=uri,
        files=len(files),
        bytes=sum(f.size for f in files),
        episodes=pairs.num_rows,
        rows=ids.num_rows,
        schema_versions=tuple(sorted(versions)),
        days=tuple(sorted(days)),
        fighters=dict(
            zip(
                per_fighter["fighter_id"].to_pylist(),
                per_fighter["episode_id_count"].to_pylist(),
                strict=True,
            )
        ),
    )


def describe_sim(storage: Storage, game: str) -> DatasetInfo:
    """Footprint of a game's recorded sim episodes (one stored row per episode)."""
    root = sim_root(storage, game)
    files = _files(storage, root)
    fighters = (
        _open(storage, root).to_table(columns=["fighter_id"])["fighter_id"] if files else None
    )
    counts = pc.value_counts(fighters).to_pylist() if fighters is not None else []
    return DatasetInfo(
        game=game,
        source=Source.SIM,
        uri=storage.uri_of(DATASETS_DIR, SIM_DIR, game),
        files=len(files),
        bytes=sum(f.size for f in files),
        episodes=sum(c["counts"] for c in counts),
        rows=sum(c["counts"] for c in counts),
        schema_versions=(),
        fighters={int(c["values"]): c["counts"] for c in counts},
    )


def list_datasets(storage: Storage) -> list[DatasetInfo]:
    """Every game frame dataset and every sim dataset under ``{storage}/datasets``."""
    root = storage.path(DATASETS_DIR)
    found = [describe_frames(storage, g) for g in _games(storage, root) if g != SIM_DIR]
    found += [describe_sim(storage, g) for g in _games(storage, f"{root}/{SIM_DIR}")]
    return found
