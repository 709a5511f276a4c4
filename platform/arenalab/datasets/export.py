"""Export a selection of the RLlib view: Parquet transitions, or a Minari dataset.

``parquet`` writes the view rows with Ray Data (``Dataset.write_parquet``), readable by
RLlib's own ``input_`` without arenalab; it runs on the cluster and writes through
pyarrow filesystems, so ``out`` may be a local folder or an object-store URI.

``minari`` writes a real Minari dataset (the ``minari`` package, ``pip install
'arenalab[minari]'``, Arrow storage) with the id ``arenalab/{game}-v{VIEW_VERSION}``
under ``out``, a Minari datasets root: with ``MINARI_DATASETS_PATH=out``,
``minari.load_dataset(id)`` reads it back. Episodes are assembled on the cluster (one
group per ``eps_id``); Minari writes local files, so ``out`` is a local folder, and each
Minari episode's metadata keeps the view's ``eps_id``.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Collection, Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from arenalab.datasets.episodes import VIEW_VERSION, vectors
from arenalab.datasets.selection import Selection
from arenalab.datasets.view import group_by, observation_space, read_view, selection_spec
from arenalab.envs.arena.actions import controls_space
from arenalab.storage import Storage

if TYPE_CHECKING:
    import ray.data


class ExportFormat(StrEnum):
    """Export formats of ``arenalab datasets export``."""

    PARQUET = "parquet"
    MINARI = "minari"


class ExportError(ValueError):
    """An export cannot be written as asked; the message says why and what to do."""


def minari_dataset_id(selection: Selection) -> str:
    """The Minari id an export of ``selection`` gets: namespace ``arenalab``, the game, the view."""
    return f"arenalab/{selection.game}-v{VIEW_VERSION}"


def _episode_arrays(rows: pa.Table) -> pa.Table:
    """``map_groups`` body: one episode's view rows -> one row of Minari's episode arrays.

    Observations are the ``T`` ``obs`` plus the last ``new_obs`` (Minari's ``T + 1``),
    flattened with their width so the driver can reshape them without guessing.
    """
    rows = rows.sort_by("t")
    eps_id = rows["eps_id"][0].as_py()
    obs = vectors(rows["obs"], f"obs of {eps_id}")
    last = vectors(rows["new_obs"].slice(rows.num_rows - 1), f"new_obs of {eps_id}")
    actions = vectors(rows["actions"], f"actions of {eps_id}")
    observations = np.concatenate([obs, last])
    return pa.table(
        {
            "eps_id": [eps_id],
            "obs_width": [obs.shape[1]],
            "observations": _one_list(observations.ravel()),
            "action_width": [actions.shape[1]],
            "actions": _one_list(actions.ravel()),
            "rewards": _one_list(rows["rewards"].to_numpy()),
            "terminations": _one_list(rows["terminateds"].to_numpy()),
            "truncations": _one_list(rows["truncateds"].to_numpy()),
        }
    )


def _one_list(values: np.ndarray) -> pa.ListArray:
    """A list column of one row holding ``values``."""
    return pa.ListArray.from_arrays(pa.array([0, len(values)], pa.int32()), pa.array(values))


def _episode_buffers(episodes: ray.data.Dataset, eps_ids: list[str]) -> Iterator[Any]:
    """Minari ``EpisodeBuffer``s with ids 0, 1, ...; ``eps_ids[i]`` is episode ``i``'s view id."""
    from minari.data_collector import EpisodeBuffer  # the optional extra

    for batch in episodes.iter_batches(batch_format="pyarrow", batch_size=None):
        for row in batch.to_pylist():
            eps_ids.append(row["eps_id"])
            yield EpisodeBuffer(
                id=len(eps_ids) - 1,
                observations=_matrix(row["observations"], row["obs_width"]),
                actions=_matrix(row["actions"], row["action_width"]),
                rewards=row["rewards"],
                terminations=row["terminations"],
                truncations=row["truncations"],
            )


def _matrix(values: list[float], width: int) -> np.ndarray:
    return np.asarray(values, dtype=np.float32).reshape(-1, width)


@contextlib.contextmanager
def _datasets_root(root: str) -> Iterator[None]:
    """Minari finds its datasets root in ``MINARI_DATASETS_PATH`` only; set it for one call."""
    previous = os.environ.get("MINARI_DATASETS_PATH")
    os.environ["MINARI_DATASETS_PATH"] = root
    try:
        yield
    finally:
        if previous is None:
            del os.environ["MINARI_DATASETS_PATH"]
        else:
            os.environ["MINARI_DATASETS_PATH"] = previous


def _export_minari(
    storage: Storage,
    selection: Selection,
    closed_episodes: Collection[int],
    view: ray.data.Dataset,
    out: str,
) -> dict[str, Any]:
    if "://" in out:
        raise ExportError(f"--format minari writes a local folder (Minari's storage), not {out}")
    try:
        import minari  # the optional extra
        from minari.storage import get_dataset_path
    except ImportError:
        raise ExportError(
            "--format minari needs the minari package: pip install 'arenalab[minari]'"
        ) from None
    dataset_id = minari_dataset_id(selection)
    obs_spec, length = selection_spec(storage, selection, closed_episodes)
    episodes = group_by(view, "eps_id").map_groups(_episode_arrays, batch_format="pyarrow")
    eps_ids: list[str] = []
    with _datasets_root(out):
        if get_dataset_path(dataset_id).exists():
            raise ExportError(
                f"{out} already holds the Minari dataset {dataset_id}; export to another folder"
            )
        with warnings.catch_warnings():  # recorded sessions have no env spec, author or code link
            warnings.filterwarnings("ignore", category=UserWarning, module=r"minari\.")
            dataset = minari.create_dataset_from_buffers(
                dataset_id,
                _episode_buffers(episodes, eps_ids),
                observation_space=observation_space(obs_spec, length),
                action_space=controls_space(),
                algorithm_name="recorded",
                description=f"arenalab episodes {selection.selector()} ({obs_spec}), "
                f"RLlib view v{VIEW_VERSION}",
                data_format="arrow",
            )
        dataset.storage.update_episode_metadata(
            [{"eps_id": eps_id} for eps_id in eps_ids], range(len(eps_ids))
        )
    return {
        "format": ExportFormat.MINARI.value,
        "out": out,
        "dataset_id": dataset_id,
        "episodes": int(dataset.total_episodes),
        "steps": int(dataset.total_steps),
    }


def export_selection(
    storage: Storage,
    selection: Selection,
    closed_episodes: Collection[int],
    out: str,
    fmt: ExportFormat,
) -> dict[str, Any]:
    """Write the selected episodes to ``out`` (a path, or a URI for Parquet); returns a summary.

    Raises:
        EmptySelectionError: if no stored episode matches the selection.
        ExportError: if ``minari`` is asked for an object store, is not installed, or
            the dataset already exists under ``out``.
    """
    view = read_view(storage, selection, closed_episodes)
    if "://" not in out:
        out = str(Path(out).resolve())
    if fmt is ExportFormat.MINARI:
        return _export_minari(storage, selection, closed_episodes, view, out)
    view.write_parquet(out)
    return {"format": fmt.value, "out": out, "rows": view.count()}
