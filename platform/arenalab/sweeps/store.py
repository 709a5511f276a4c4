"""Where a sweep lives: ``{storage}/sweeps/NAME``, Tune's experiment folder plus our plan.

Tune writes its state, one folder per trial (``progress.csv``, ``result.json``,
TensorBoard event files, ``checkpoint_NNNNNN/``) there; we add ``arenalab-sweep.json``
(the validated plan, so ``--resume NAME`` needs no file) and the report. Paths go
through :mod:`arenalab.storage`, so a local folder and an object-store URI work alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pyarrow.fs as pafs

from arenalab.storage import Storage
from arenalab.sweeps.loading import SweepError, SweepPlan

SWEEPS = "sweeps"
PLAN_FILE = "arenalab-sweep.json"


class SweepNotFoundError(SweepError, LookupError):
    """``NAME`` names no sweep in the storage."""


@dataclass(frozen=True)
class SweepDir:
    """One sweep's folder in the storage."""

    storage: Storage
    name: str

    @property
    def uri(self) -> str:
        """The folder as Tune, TensorBoard and pyarrow accept it."""
        return self.storage.uri_of(SWEEPS, self.name)

    @property
    def storage_path(self) -> str:
        """Tune's ``RunConfig.storage_path`` (the folder's parent; ``name`` is the folder)."""
        return self.storage.uri_of(SWEEPS)

    def uri_of(self, *parts: str) -> str:
        """A URI under the sweep folder."""
        return self.storage.uri_of(SWEEPS, self.name, *parts)

    def exists(self) -> bool:
        """Whether a sweep was started under this name."""
        path = self.storage.path(SWEEPS, self.name, PLAN_FILE)
        return self.storage.filesystem.get_file_info(path).type != pafs.FileType.NotFound

    def write(self, name: str, data: bytes) -> str:
        """Write a file into the sweep folder; returns its URI."""
        self.storage.filesystem.create_dir(self.storage.path(SWEEPS, self.name), recursive=True)
        with self.storage.filesystem.open_output_stream(
            self.storage.path(SWEEPS, self.name, name)
        ) as out:
            out.write(data)
        return self.uri_of(name)

    def write_plan(self, plan: SweepPlan) -> None:
        """Save the plan before the first trial, so a killed sweep can be resumed by name."""
        self.write(PLAN_FILE, json.dumps(plan.to_json(), indent=2).encode("utf-8"))

    def read_plan(self) -> SweepPlan:
        """The plan saved by :meth:`write_plan`."""
        if not self.exists():
            raise SweepNotFoundError(f"no sweep {self.name!r} in {self.storage_path}")
        path = self.storage.path(SWEEPS, self.name, PLAN_FILE)
        with self.storage.filesystem.open_input_stream(path) as handle:
            data = json.loads(handle.read().decode("utf-8"))
        return SweepPlan.from_json(data, self.uri_of(PLAN_FILE))

    def checkpoint_uri(self, checkpoint_path: str) -> str:
        """The URI of a Tune checkpoint (``.../TRIAL/checkpoint_N``) inside this sweep."""
        trial, checkpoint = checkpoint_path.rstrip("/").split("/")[-2:]
        return self.uri_of(trial, checkpoint)
