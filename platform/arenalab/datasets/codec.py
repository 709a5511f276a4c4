"""Frames <-> log records <-> Arrow tables.

A log record is one accepted request: a small JSON header (receive time and
each episode's fighter and observation spec) then the frames as JSON. The
header lets tail readers skip records of other episodes without parsing them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import TypeAdapter

from arenalab.datasets.frames import FightFrame
from arenalab.datasets.schema import FRAME_SCHEMA, FRAME_SCHEMA_VERSION, GAME

_FRAMES = TypeAdapter(list[FightFrame])


def encode_batch(
    frames: list[FightFrame], episodes: dict[int, tuple[int, str]], received_at_us: int
) -> bytes:
    """One log record for frames accepted together; ``episodes`` maps id -> (fighter, spec)."""
    header = {"t": received_at_us, "episodes": {str(k): list(v) for k, v in episodes.items()}}
    return json.dumps(header).encode() + b"\n" + _FRAMES.dump_json(frames)


def decode_batch(payload: bytes, episode_id: int | None = None) -> list[dict]:
    """Dataset rows of one record, optionally only those of one episode."""
    head, _, body = payload.partition(b"\n")
    header = json.loads(head)
    episodes = header["episodes"]
    if episode_id is not None and str(episode_id) not in episodes:
        return []
    rows = []
    for frame in json.loads(body):
        if episode_id is not None and frame["episode_id"] != episode_id:
            continue
        fighter_id, obs_spec = episodes[str(frame["episode_id"])]
        frame.update(
            game=GAME,
            fighter_id=fighter_id,
            obs_spec=obs_spec,
            received_at=header["t"],
            schema_version=FRAME_SCHEMA_VERSION,
        )
        rows.append(frame)
    return rows


def rows_to_table(rows: Iterable[dict]) -> pa.Table:
    """Typed Arrow columns for decoded rows."""
    return pa.Table.from_pylist(list(rows), schema=FRAME_SCHEMA)


def dedupe(table: pa.Table) -> pa.Table:
    """Keep the first row of each (episode_id, frame_number), in the original order."""
    if table.num_rows == 0:
        return table
    numbered = table.append_column("__row", pa.array(range(table.num_rows), pa.int64()))
    first = numbered.group_by(["episode_id", "frame_number"], use_threads=False).aggregate(
        [("__row", "min")]
    )["__row_min"]
    return table.take(pc.take(first, pc.sort_indices(first)))
