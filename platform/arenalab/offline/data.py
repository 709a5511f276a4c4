"""Hand the RLlib view to RLlib's offline pipeline without an intermediate copy.

RLlib 2.60 builds its ``OfflineData`` from ``config.input_`` with one ``ray.data`` read
call. :func:`view_offline_data` returns an ``OfflineData`` subclass whose dataset is
the view instead (a Ray Dataset built by :mod:`arenalab.datasets.view`, narrowed to
:data:`~arenalab.datasets.episodes.RLLIB_COLUMNS`: RLlib 2.60's learner turns every
column it receives into a tensor, so string columns such as ``source`` must not reach
it), so RLlib's
``OfflinePreLearner``, batching and learners run unchanged on it. ``input_`` is then a
placeholder read with ``ray.data.from_items`` (:data:`INPUT_PLACEHOLDER`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from arenalab.datasets.episodes import RLLIB_COLUMNS

INPUT_PLACEHOLDER = ["arenalab-view"]
INPUT_READ_METHOD = "from_items"


def view_offline_data(build_view: Callable[[], Any]) -> type:
    """An ``OfflineData`` class whose data is ``build_view()`` (materialized if configured)."""
    from ray.rllib.offline.offline_data import OfflineData  # imports Ray

    class ViewOfflineData(OfflineData):
        """RLlib's OfflineData reading arenalab's episode view."""

        def __init__(self, config: Any) -> None:
            super().__init__(config)
            self.data = build_view().select_columns(RLLIB_COLUMNS)
            if self.materialize_data:
                self.data = self.data.materialize()

    return ViewOfflineData
