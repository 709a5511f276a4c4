"""Registered models -> local checkpoints -> policies, only from the registry's storage.

RLlib reads checkpoints from any pyarrow URI, but ``from_checkpoint`` unpickles
what it finds, so the server only follows ``checkpoint_uri`` values that lie inside
``ARENALAB_STORAGE`` (where our own training writes them) and never a path that came
over HTTP. Remote checkpoints are copied once into ``{data_dir}/model-cache/``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath

import pyarrow.fs as pafs

from arenalab.policies.policy import MODULES_DIR, Policy
from arenalab.registry import Model
from arenalab.storage import Storage

CACHE_DIR = "model-cache"


def cache_key(checkpoint_uri: str, module_id: str) -> str:
    """The name of a checkpoint's module in the local cache: files never change under it."""
    return hashlib.sha256(f"{checkpoint_uri}#{module_id}".encode()).hexdigest()[:24]


def local_checkpoint(uri: str, storage: Storage, cache_dir: Path, module_id: str) -> Path:
    """A local folder holding the checkpoint parts needed to serve ``module_id``."""
    filesystem, path = _resolve(uri, storage)
    if isinstance(filesystem, pafs.LocalFileSystem):
        return Path(path)
    target = cache_dir / cache_key(uri, module_id)
    if target.is_dir():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=cache_dir, prefix=".partial-"))
    try:
        for part in (f"{MODULES_DIR}/{module_id}", "env_runner"):
            pafs.copy_files(
                f"{path}/{part}",
                str(staging / part),
                source_filesystem=filesystem,
                destination_filesystem=pafs.LocalFileSystem(),
            )
        os.replace(staging, target)  # atomic: a concurrent loader sees all or nothing
    except OSError:
        if not target.is_dir():  # else another loader won the race: use its copy
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def load_registered_policy(model: Model, storage: Storage, data_dir: Path) -> Policy:
    """The policy of a registry row, loaded from storage (via the local cache if remote)."""
    checkpoint = local_checkpoint(
        model.checkpoint_uri, storage, data_dir / CACHE_DIR, model.module_id
    )
    return Policy.from_checkpoint(checkpoint, model.module_id)


def _resolve(uri: str, storage: Storage) -> tuple[pafs.FileSystem, str]:
    """The filesystem and path of a checkpoint, refusing anything outside the storage root."""
    if "://" in uri and not uri.startswith("file://"):
        filesystem, path = pafs.FileSystem.from_uri(uri)
        root = storage.root if type(filesystem) is type(storage.filesystem) else None
    else:
        filesystem = pafs.LocalFileSystem()
        path = str(Path(uri.removeprefix("file://")).resolve())
        root = str(Path(storage.root).resolve()) if storage.is_local else None
    if root is None or not PurePosixPath(path).is_relative_to(PurePosixPath(root)):
        raise PermissionError(f"checkpoint {uri} is outside the storage {storage.uri}")
    return filesystem, path
