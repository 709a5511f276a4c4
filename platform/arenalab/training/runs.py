"""Run folders under ``{storage}/runs/{experiment-name}-{id}``: manifest and checkpoints.

A run folder holds ``experiment.yaml`` (what was trained), ``run.json`` (registry ids)
and ``checkpoints/iter_NNNNNN/`` (RLlib checkpoints). A checkpoint counts only once
its ``COMPLETE`` marker exists, so a process killed mid-save never leaves a resume
point that cannot be read. Paths go through :mod:`arenalab.storage`, so the same code
works on a local folder and on any pyarrow filesystem URI.
"""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from dataclasses import dataclass
from typing import Any

import pyarrow.fs as pafs
import yaml

from arenalab.experiments import Experiment, build_experiment, dump_experiment
from arenalab.storage import Storage

RUNS = "runs"
CHECKPOINTS = "checkpoints"
COMPLETE = "COMPLETE"
_CHECKPOINT = re.compile(r"^iter_(\d{6})$")


class RunNotFoundError(LookupError):
    """``--resume RUN`` names no run folder (or one without a finished checkpoint)."""


@dataclass(frozen=True)
class RunDir:
    """One run's folder in the storage."""

    storage: Storage
    run_id: str

    def _path(self, *parts: str) -> str:
        return self.storage.path(RUNS, self.run_id, *parts)

    @property
    def uri(self) -> str:
        """Where the run lives, as Ray, RLlib and pyarrow accept it."""
        return self.storage.uri_of(RUNS, self.run_id)

    def checkpoint_uri(self, iteration: int) -> str:
        """The checkpoint folder for ``iteration``."""
        return self.storage.uri_of(RUNS, self.run_id, CHECKPOINTS, f"iter_{iteration:06d}")

    def save(self, algo: Any, iteration: int) -> str:
        """Write ``algo``'s checkpoint for ``iteration``, marked complete; its URI."""
        uri = self.checkpoint_uri(iteration)
        algo.save_to_path(uri)
        self.mark_complete(iteration)
        return uri

    def mark_complete(self, iteration: int) -> None:
        """Declare the checkpoint of ``iteration`` fully written."""
        path = self._path(CHECKPOINTS, f"iter_{iteration:06d}", COMPLETE)
        with self.storage.filesystem.open_output_stream(path) as out:
            out.write(b"ok")

    def checkpoints(self) -> list[int]:
        """Iterations with a complete checkpoint, oldest first."""
        selector = pafs.FileSelector(self._path(CHECKPOINTS), allow_not_found=True)
        done = []
        for info in self.storage.filesystem.get_file_info(selector):
            match = _CHECKPOINT.match(info.base_name)
            if match and self._exists(CHECKPOINTS, info.base_name, COMPLETE):
                done.append(int(match.group(1)))
        return sorted(done)

    def latest_checkpoint(self) -> tuple[int, str]:
        """The newest complete checkpoint as ``(iteration, uri)``."""
        done = self.checkpoints()
        if not done:
            raise RunNotFoundError(f"run {self.run_id} has no complete checkpoint in {self.uri}")
        return done[-1], self.checkpoint_uri(done[-1])

    def _exists(self, *parts: str) -> bool:
        info = self.storage.filesystem.get_file_info(self._path(*parts))
        return info.type != pafs.FileType.NotFound

    def _write(self, name: str, text: str) -> None:
        self.storage.filesystem.create_dir(self._path(), recursive=True)
        with self.storage.filesystem.open_output_stream(self._path(name)) as out:
            out.write(text.encode("utf-8"))

    def _read(self, name: str) -> str:
        with self.storage.filesystem.open_input_stream(self._path(name)) as handle:
            return handle.read().decode("utf-8")

    def write_manifest(self, experiment: Experiment, info: dict[str, Any]) -> None:
        """Record what is trained and the registry ids, so ``--resume`` needs only the id."""
        self._write("experiment.yaml", dump_experiment(experiment))
        self._write("run.json", json.dumps(info, indent=2))

    def read_manifest(self) -> tuple[Experiment, dict[str, Any]]:
        """The experiment and registry ids written at the start of the run."""
        if not self._exists("run.json"):
            raise RunNotFoundError(f"no run {self.run_id!r} in {self.storage.uri_of(RUNS)}")
        data = yaml.safe_load(self._read("experiment.yaml"))
        experiment = build_experiment(data, source=f"{self.uri}/experiment.yaml")
        return experiment, json.loads(self._read("run.json"))


def new_run(storage: Storage, experiment: Experiment) -> RunDir:
    """A fresh, unique run folder named after the experiment (``débutant`` -> ``debutant-...``)."""
    ascii_name = unicodedata.normalize("NFKD", experiment.name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "run"
    return RunDir(storage, f"{slug}-{uuid.uuid4().hex[:8]}")


def open_run(storage: Storage, run: str) -> RunDir:
    """The run named by an id (``pacman-1a2b3c4d``) or a path/URI ending in it."""
    return RunDir(storage, run.rstrip("/").rsplit("/", 1)[-1])
