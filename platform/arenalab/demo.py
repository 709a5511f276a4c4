"""``make demo``: the main job on embedded defaults, start to finish, on one machine.

Starts local Ray (or joins ``ARENALAB_RAY_ADDRESS``), creates the registry and
storage, and ends with the doctor's report. Each part of the platform adds a
step here, so the demo always shows what really works.
"""

from __future__ import annotations

from collections.abc import Callable

import ray

from arenalab.doctor import Check, run_checks
from arenalab.registry import Registry
from arenalab.settings import Settings
from arenalab.storage import open_storage

Step = Callable[[Settings], str]


def prepare_state(settings: Settings) -> str:
    """Create the data dir, the registry schema and the storage root."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    registry = Registry.from_url(settings.database_url)
    storage = open_storage(settings)
    storage.check_writable()
    return f"registry {registry.engine.url.database or registry.engine.url}, storage {storage.uri}"


STEPS: list[tuple[str, Step]] = [
    ("prepare registry and storage", prepare_state),
]


def run_demo(settings: Settings, report: Callable[[str], None] = print) -> list[Check]:
    """Run every demo step on one Ray instance, then the doctor's checks."""
    if not ray.is_initialized():
        ray.init(address=settings.ray_address or None, log_to_driver=False, logging_level="ERROR")
    try:
        for title, step in STEPS:
            report(f"== {title}")
            report(f"   {step(settings)}")
        return run_checks(settings)
    finally:
        ray.shutdown()
