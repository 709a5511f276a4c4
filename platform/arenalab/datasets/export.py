"""Export a selection of the RLlib view: Parquet transitions, or Minari-style episode files.

``parquet`` writes the view rows with Ray Data (``Dataset.write_parquet``), readable by
RLlib's own ``input_`` without arenalab. ``minari`` writes one ``.npz`` per episode
(``observations`` T+1 x D, ``actions``, ``rewards``, ``terminations``, ``truncations``:
Minari's ``EpisodeData`` fields) plus ``metadata.json`` with the dataset id, format
version, spaces and totals. Both run on the cluster and write through pyarrow
filesystems, so ``out`` may be a local folder or an object-store URI.
"""

from __future__ import annotations

import io
import json
from collections.abc import Collection
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs

from arenalab.datasets.episodes import VIEW_VERSION, vectors
from arenalab.datasets.selection import Selection
from arenalab.datasets.view import action_space, observation_space, read_view, selection_spec
from arenalab.storage import Storage

MINARI_FORMAT_VERSION = "1"
EPISODES_DIR = "episodes"


class ExportFormat(StrEnum):
    """Export formats of ``arenalab datasets export``."""

    PARQUET = "parquet"
    MINARI = "minari"


def _space(space: Any) -> dict[str, Any]:
    return {"type": "Box", "shape": list(space.shape), "dtype": str(space.dtype)}


def _write_episode(rows: pa.Table, out: str) -> pa.Table:
    """``map_groups`` body: one episode's rows -> ``{out}/episodes/{eps_id}.npz``."""
    rows = rows.sort_by("t")
    eps_id = rows["eps_id"][0].as_py()
    obs = vectors(rows["obs"], f"obs of {eps_id}")
    last = vectors(rows["new_obs"].slice(rows.num_rows - 1), f"new_obs of {eps_id}")
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        observations=np.concatenate([obs, last]),
        actions=vectors(rows["actions"], f"actions of {eps_id}"),
        rewards=rows["rewards"].to_numpy(),
        terminations=rows["terminateds"].to_numpy(zero_copy_only=False),
        truncations=rows["truncateds"].to_numpy(zero_copy_only=False),
    )
    filesystem, root = pafs.FileSystem.from_uri(out)
    filesystem.create_dir(f"{root}/{EPISODES_DIR}", recursive=True)
    with filesystem.open_output_stream(f"{root}/{EPISODES_DIR}/{eps_id}.npz") as handle:
        handle.write(buffer.getvalue())
    return pa.table({"eps_id": [eps_id], "steps": [rows.num_rows],
                     "source": [rows["source"][0].as_py()]})  # fmt: skip


def export_selection(
    storage: Storage,
    selection: Selection,
    closed_episodes: Collection[int],
    out: str,
    fmt: ExportFormat,
) -> dict[str, Any]:
    """Write the selected episodes to ``out`` (a path or URI); returns a summary."""
    view = read_view(storage, selection, closed_episodes)
    if "://" not in out:
        out = str(Path(out).resolve())
    if fmt is ExportFormat.PARQUET:
        view.write_parquet(out)
        return {"format": fmt.value, "out": out, "rows": view.count()}
    obs_spec, length = selection_spec(storage, selection, closed_episodes)
    written = view.groupby("eps_id").map_groups(
        _write_episode, fn_kwargs={"out": out}, batch_format="pyarrow"
    )
    episodes = pa.concat_tables(written.iter_batches(batch_format="pyarrow", batch_size=None))
    metadata = {
        "dataset_id": f"arenalab/{selection.game}-v{VIEW_VERSION}",
        "format_version": MINARI_FORMAT_VERSION,
        "selection": selection.model_dump(mode="json"),
        "obs_spec": obs_spec,
        "observation_space": _space(observation_space(obs_spec, length)),
        "action_space": _space(action_space()),
        "total_episodes": episodes.num_rows,
        "total_steps": pc.sum(episodes["steps"]).as_py() or 0,
        "episodes": sorted(episodes["eps_id"].to_pylist()),
    }
    filesystem, root = pafs.FileSystem.from_uri(out)
    with filesystem.open_output_stream(f"{root}/metadata.json") as handle:
        handle.write(json.dumps(metadata, indent=2).encode())
    return {"format": fmt.value, "out": out, "episodes": metadata["total_episodes"],
            "steps": metadata["total_steps"]}  # fmt: skip
