"""The one way arenalab reaches Ray: the configured cluster, the job's own, or a local one."""

from __future__ import annotations

import logging
from typing import Any

from arenalab.settings import Settings


def connect_ray(settings: Settings, *, start_local: bool = False, **init_options: Any) -> bool:
    """Join Ray unless this process already has; returns whether this call connected.

    The address is ``ARENALAB_RAY_ADDRESS``; empty, Ray reads ``RAY_ADDRESS`` (what a
    Ray job's driver runs under) or starts a local Ray. ``start_local`` (``arenalab
    serve``) starts a new local Ray even under ``RAY_ADDRESS``: the ingress settings and
    secrets serve exports reach only the workers of a Ray it starts, so joining another
    one takes ``ARENALAB_RAY_ADDRESS`` on purpose (docs/cluster.md). Ray's own log level
    stays at ERROR (``arenalab --verbose`` shows the rest, :mod:`arenalab.cli.quiet`);
    ``init_options`` go to ``ray.init`` as they are.
    """
    import ray  # importing Ray costs seconds; only commands that need it pay

    if ray.is_initialized():
        return False
    address = settings.ray_address or ("local" if start_local else None)
    ray.init(address=address, logging_level=logging.ERROR, **init_options)
    return True


__all__ = ["connect_ray"]
