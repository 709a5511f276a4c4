"""The frame dataset: a durable write-ahead log that compacts into hive-partitioned Parquet.

Layout and promises are documented in ``docs/ingestion.md``; readers of other
parts of arenalab (offline RL, Ray Data) read ``{storage}/datasets/{game}/``.
"""

from arenalab.datasets.frames import Enemy, FightFrame
from arenalab.datasets.schema import FRAME_SCHEMA, FRAME_SCHEMA_VERSION, dataset_root

__all__ = ["FRAME_SCHEMA", "FRAME_SCHEMA_VERSION", "Enemy", "FightFrame", "dataset_root"]
