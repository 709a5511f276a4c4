"""Each model's checked ONNX export (:func:`arenalab.policies.cached_onnx`), made apart.

The download route (``GET /api/models/{id}/onnx``) and the runtimes that act with ONNX
Runtime read the same file (one per checkpoint and module). A missing file is made by
a child process (``python -m arenalab.serving.inference.onnx_files``): the export
traces the module with torch.export for seconds of CPU, which in the serving process
would hold the GIL against every request and share torch's global tracing state with
the forward passes answering meanwhile. Within a process concurrent callers share one
export.
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from arenalab.registry import Model

OUTPUT_TAIL = 2000  # characters of a failed export's output kept in its error


class OnnxExportError(RuntimeError):
    """The export failed (the message ends with the child's output)."""


@dataclass(frozen=True)
class OnnxFile:
    """An exported file and its checked max abs difference to the torch policy."""

    path: Path
    max_abs_diff: float


class OnnxFiles:
    """The data dir's ONNX exports, one export in flight per checkpoint and module."""

    def __init__(self, data_dir: Path) -> None:
        self._data_dir = data_dir
        self._exports: dict[tuple[str, str], asyncio.Future[OnnxFile]] = {}
        self._made: dict[tuple[str, str], OnnxFile] = {}

    async def get(self, model: Model, checkpoint: Path) -> OnnxFile:
        """The export of ``model`` (loaded from the local ``checkpoint``), found or made."""
        key = (model.checkpoint_uri, model.module_id)
        made = self._made.get(key) or self._found(model)
        if made is not None:
            return made
        task = self._exports.get(key)
        if task is None:
            task = asyncio.ensure_future(self._file(model, checkpoint))
            self._exports[key] = task
            task.add_done_callback(lambda _: self._exports.pop(key, None))
        return await asyncio.shield(task)

    def _found(self, model: Model) -> OnnxFile | None:
        """The file cached_onnx wrote earlier (here or in another process), if any."""
        from arenalab.policies.loading import CACHE_DIR, cache_key  # torch

        name = cache_key(model.checkpoint_uri, model.module_id)
        path = self._data_dir / CACHE_DIR / "onnx" / f"{name}.onnx"
        check = path.with_suffix(".check.json")
        if not (path.exists() and check.exists()):
            return None
        made = OnnxFile(path, json.loads(check.read_text())["max_abs_diff"])
        self._made[model.checkpoint_uri, model.module_id] = made
        return made

    async def _file(self, model: Model, checkpoint: Path) -> OnnxFile:
        command = [
            sys.executable,
            "-m",
            __name__,
            str(checkpoint),
            model.module_id,
            model.checkpoint_uri,
            str(self._data_dir),
        ]
        child = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        output = (await child.communicate())[0].decode(errors="replace")
        if child.returncode != 0:
            raise OnnxExportError(f"the export exited {child.returncode}: {output[-OUTPUT_TAIL:]}")
        found = json.loads(output.strip().splitlines()[-1])
        made = self._made[model.checkpoint_uri, model.module_id] = OnnxFile(
            Path(found["path"]), found["max_abs_diff"]
        )
        return made


def main(checkpoint: str, module_id: str, checkpoint_uri: str, data_dir: str) -> None:
    """Export (or find) the checkpoint's module; print its file and difference as JSON."""
    from arenalab.policies import Policy, cached_onnx  # the child's imports
    from arenalab.registry import Model

    policy = Policy.from_checkpoint(Path(checkpoint), module_id)
    row = Model(checkpoint_uri=checkpoint_uri, module_id=module_id)  # what names the file
    export = cached_onnx(policy, row, Path(data_dir))
    print(json.dumps({"path": str(export.path), "max_abs_diff": export.max_abs_diff}))


if __name__ == "__main__":
    main(*sys.argv[1:])
