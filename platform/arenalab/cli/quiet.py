"""Keep Ray's own chatter out of a command's output unless ``arenalab --verbose`` asks for it.

A command prints its progress, its result and the warnings that matter to the user. Ray's
logs (RLlib's "new API stack" notice, worker DeprecationWarnings, Ray Data's INFO lines)
stay in Ray's session log folder, which ``--verbose`` names. Everything is set here, once,
before any command imports Ray: Ray reads these variables when it is imported and when
``ray.init`` starts its processes. A variable the user already set wins. The one native
line Ray's C++ core printed per env runner (restartable actors with arguments in the
object store) is avoided at its source: env runners restart only when
``resources.restart_env_runners`` asks for it.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import logging
import os
import sys
import warnings
from collections.abc import Callable
from typing import Any

RAY_LOG_FOLDER = "/tmp/ray/session_latest/logs"

QUIET_ENVIRONMENT = {
    "RAY_LOG_TO_DRIVER": "0",  # worker stdout/stderr stays in the session's worker-*.log files
    "RAY_DATA_LOG_LEVEL": "ERROR",  # execution plans at INFO; its stats actor after shutdown
}
QUIET_LOGGERS = ("ray", "ray.rllib", "ray.data", "ray.tune", "ray.serve", "ray.train")
RESETS_LEVELS = ("ray", "ray.serve")
"""``import ray`` sets "ray" to INFO and "ray.rllib" to WARNING, ``import ray.serve`` its
logger to INFO ("Started Serve", "Application ... is ready at" an internal port)."""


def quiet_ray() -> None:
    """Silence Ray's logs and Python DeprecationWarnings for the rest of this process."""
    for name, value in QUIET_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    # Tune's advice for PBT needs Trainable.reset_config, which RLlib's Algorithm lacks.
    warnings.filterwarnings("ignore", message="Consider boosting PBT performance")
    _quiet_loggers()
    for module in RESETS_LEVELS:  # each sets its loggers' levels on import: lower them after
        if module not in sys.modules:
            sys.meta_path.insert(0, _AfterImport(module, _quiet_loggers))


def _quiet_loggers() -> None:
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)


class _AfterImport(importlib.abc.MetaPathFinder):
    """Runs ``then`` right after the module ``name`` is first imported, then steps aside."""

    def __init__(self, name: str, then: Callable[[], None]) -> None:
        self.name, self.then = name, then

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        """Find ``name`` as usual, wrapping its loader so that ``then`` runs after it."""
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.loader is not None:
            run_module = spec.loader.exec_module

            def exec_module(module: Any) -> None:
                run_module(module)
                self.then()

            spec.loader.exec_module = exec_module
        return spec


def verbose_help() -> str:
    """The ``--verbose`` help: what it shows and where Ray's logs are otherwise."""
    return f"Show Ray's own logs and warnings (otherwise only in {RAY_LOG_FOLDER})."
