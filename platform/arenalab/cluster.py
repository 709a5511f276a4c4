"""The one way arenalab reaches Ray: the configured cluster, the job's own, or a local one."""

from __future__ import annotations

import logging
from typing import Any

from arenalab.settings import Settings


def connect_ray(settings: Settings, **init_options: Any) -> bool:
    """Join Ray unless this process already has; returns whether this call connected.

    The address is ``ARENALAB_RAY_ADDRESS``; empty, Ray reads ``RAY_ADDRESS`` (what a
    Ray job's driver runs under) or starts a local Ray. Ray's own log level stays at
    ERROR (``arenalab --verbose`` shows the rest, :mod:`arenalab.cli.quiet`);
    ``init_options`` go to ``ray.init`` as they are.
    """
    import ray  # importing Ray costs seconds; only commands that need it pay

    if ray.is_initialized():
        return False
    ray.init(address=settings.ray_address or None, logging_level=logging.ERROR, **init_options)
    return True


__all__ = ["connect_ray"]
