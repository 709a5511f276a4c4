"""Read a selection of episodes as one Ray Dataset of view rows: game frames and sim episodes.

Everything goes through ``ray.data.read_parquet`` on the storage's pyarrow filesystem
with hive partitioning, so the same call reads a local folder on a laptop or
``s3://bucket/prefix`` from every node of a cluster (``ARENALAB_STORAGE`` decides):

    ray.data.read_parquet(root, filesystem=storage.filesystem, partition_filter=days)

Days are pruned by the ``date=`` partition filter before any file is opened; fighters
and closed episodes are filtered on the frame columns; frames are grouped per episode
(a distributed shuffle, sort-based unless Ray Data's setting says otherwise:
:func:`group_by`) and turned into transitions by
:func:`arenalab.datasets.episodes.episode_transitions`; an episode whose vectors differ
in length is skipped with a warning naming it, never failing the whole selection.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from typing import TYPE_CHECKING

import gymnasium as gym
import numpy as np
import pyarrow.fs as pafs

from arenalab.datasets.episodes import (
    DEFAULT_GAMMA,
    FRAME_COLUMNS,
    readable_episode_transitions,
)
from arenalab.datasets.recording import SimEpisodes, sim_root
from arenalab.datasets.schema import CUSTOM_OBS_SPEC, FRAME_SCHEMA_VERSION, dataset_root
from arenalab.datasets.selection import Selection, Source
from arenalab.registry import Registry
from arenalab.storage import Storage

if TYPE_CHECKING:
    import ray.data


class EmptySelectionError(LookupError):
    """No stored episode matches a selection; the message says what was looked for."""


def _nothing_stored(storage: Storage, selection: Selection) -> EmptySelectionError:
    return EmptySelectionError(
        f"no closed episodes stored for {selection.selector()} under {storage.uri_of('datasets')}"
    )


def _exists(storage: Storage, path: str) -> bool:
    return storage.filesystem.get_file_info(path).type != pafs.FileType.NotFound


SHUFFLE_STRATEGY_VARIABLE = "RAY_DATA_DEFAULT_SHUFFLE_STRATEGY"
"""Ray Data's own setting; when it is set, arenalab's groupings follow it."""


def group_by(dataset: ray.data.Dataset, key: str) -> ray.data.GroupedData:
    """``dataset.groupby(key)`` with one partition per CPU and a sort-based shuffle.

    Ray Data's default hash shuffle starts aggregator actors for every grouping: about
    30 s on a 2-core machine for five rows, where the sort-based shuffle takes 10
    (measured with Ray 2.60). ``RAY_DATA_DEFAULT_SHUFFLE_STRATEGY`` set by the user
    (e.g. ``hash_shuffle`` on a large cluster) wins; only this dataset's context is
    changed, never the process-wide one.
    """
    import ray
    from ray.data.context import ShuffleStrategy

    if SHUFFLE_STRATEGY_VARIABLE not in os.environ:
        dataset.context.shuffle_strategy = ShuffleStrategy.SORT_SHUFFLE_PULL_BASED
    partitions = max(1, int(ray.cluster_resources().get("CPU", 1)))  # Ray Data's default: 200
    return dataset.groupby(key, num_partitions=partitions)


def read_frames(storage: Storage, selection: Selection) -> ray.data.Dataset | None:
    """Raw frame rows of the selected game and days (partition-pruned), or None if none."""
    import ray.data  # Ray is slow to import
    from ray.data.datasource.partitioning import PathPartitionFilter

    root = dataset_root(storage, selection.game)
    if not _exists(storage, root):
        return None
    days = None
    if selection.date_from or selection.date_to:
        if not any(selection.day_in_range(day) for day in _stored_days(storage, root)):
            return None  # Ray Data would fail on the empty file list with its own message
        days = PathPartitionFilter.of(lambda keys: selection.day_in_range(keys["date"]))
    return ray.data.read_parquet(root, filesystem=storage.filesystem, partition_filter=days)


def _stored_days(storage: Storage, root: str) -> list[str]:
    """The days (``date=YYYY-MM-DD`` partitions) a dataset holds."""
    found = storage.filesystem.get_file_info(pafs.FileSelector(root))
    return [
        info.base_name.partition("=")[2] for info in found if info.base_name.startswith("date=")
    ]


def closed_frames(
    storage: Storage, selection: Selection, closed_episodes: Collection[int]
) -> ray.data.Dataset | None:
    """Frame columns of the selected fighters' closed episodes, or None if none can match."""
    from ray.data.expressions import col

    frames = read_frames(storage, selection)
    if frames is None or not closed_episodes:
        return None
    keep = col("episode_id").is_in(sorted(closed_episodes))
    if selection.fighters:
        keep = keep & col("fighter_id").is_in(list(selection.fighters))
    return frames.select_columns(FRAME_COLUMNS).filter(expr=keep)


def read_game_view(
    storage: Storage,
    selection: Selection,
    closed_episodes: Collection[int],
    *,
    gamma: float = DEFAULT_GAMMA,
    max_schema_version: int = FRAME_SCHEMA_VERSION,
) -> ray.data.Dataset | None:
    """View rows of the selected closed game episodes, or None if no frames are stored."""
    frames = closed_frames(storage, selection, closed_episodes)
    if frames is None:
        return None
    options = {"gamma": gamma, "max_schema_version": max_schema_version}
    return group_by(frames, "episode_id").map_groups(
        readable_episode_transitions, fn_kwargs=options, batch_format="pyarrow"
    )


def read_sim_view(
    storage: Storage, selection: Selection, *, gamma: float = DEFAULT_GAMMA
) -> ray.data.Dataset | None:
    """View rows of the episodes RLlib recorded for the selection's game, or None."""
    import ray.data
    from ray.data.datasource.partitioning import PathPartitionFilter

    root = sim_root(storage, selection.game)
    if not _exists(storage, root):
        return None
    fighters = {str(f) for f in selection.fighters}
    keep = PathPartitionFilter.of(lambda keys: not fighters or keys["fighter_id"] in fighters)
    stored = ray.data.read_parquet(root, filesystem=storage.filesystem, partition_filter=keep)
    return stored.map_batches(SimEpisodes(selection.game, gamma), batch_format="pyarrow")


def read_view(
    storage: Storage,
    selection: Selection,
    closed_episodes: Collection[int],
    *,
    gamma: float = DEFAULT_GAMMA,
) -> ray.data.Dataset:
    """The selection as one dataset of view rows, game and sim sources together.

    Raises:
        EmptySelectionError: if no stored episode of a selected source exists.
    """
    from ray.data.expressions import col

    parts = []
    if selection.includes(Source.GAME):
        parts.append(read_game_view(storage, selection, closed_episodes, gamma=gamma))
    if selection.includes(Source.SIM):
        parts.append(read_sim_view(storage, selection, gamma=gamma))
    parts = [part for part in parts if part is not None]
    if not parts:
        raise _nothing_stored(storage, selection)
    view = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
    if selection.min_episode_return is not None:
        view = view.filter(expr=col("episode_return") >= selection.min_episode_return)
    return view


def closed_episode_ids(registry: Registry, selection: Selection) -> list[int]:
    """Ids of closed game episodes of the selected fighters, from the registry."""
    fighters = selection.fighters or (None,)
    return [
        episode.id
        for fighter in fighters
        for episode in registry.list_episodes(fighter, status="closed")
    ]


def observation_space(obs_spec: str, length: int) -> gym.spaces.Box:
    """The Box a policy sees: the arena's published bounds, or unbounded for ``custom``."""
    if obs_spec != CUSTOM_OBS_SPEC:
        from arenalab.envs.arena.env import observation_space as arena_space
        from arenalab.envs.arena.spec import OBS_SIZES

        if OBS_SIZES.get(obs_spec) == length:
            return arena_space(obs_spec)
    return gym.spaces.Box(-np.inf, np.inf, (length,), np.float32)


def selection_spec(
    storage: Storage, selection: Selection, closed_episodes: Collection[int]
) -> tuple[str, int]:
    """The observation spec and vector length of the selection, read from one row per source.

    Raises:
        EmptySelectionError: if no selected source has a row.
        ValueError: if game and sim rows disagree (one policy needs one observation).
    """
    found: set[tuple[str, int]] = set()
    if selection.includes(Source.GAME):
        frames = closed_frames(storage, selection, closed_episodes)
        rows = frames.take(1) if frames is not None else []
        found |= {(row["obs_spec"], len(row["observation_vector"])) for row in rows}
    sim = read_sim_view(storage, selection) if selection.includes(Source.SIM) else None
    if sim is not None:
        found |= {(row["obs_spec"], len(row["obs"])) for row in sim.take(1)}
    if not found:
        raise _nothing_stored(storage, selection)
    if len(found) > 1:
        raise ValueError(f"selected episodes mix observation specs {sorted(found)}; select one")
    return found.pop()
