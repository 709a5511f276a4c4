"""Where datasets, checkpoints and runs live: a local folder or any pyarrow filesystem URI.

``ARENALAB_STORAGE`` may be ``./data``, ``/mnt/shared`` or ``s3://bucket/prefix``;
every part reaches it through :func:`open_storage`, so the same code runs on a
laptop and against object storage.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import pyarrow.fs as pafs

from arenalab.settings import Settings, get_settings


@dataclass(frozen=True)
class Storage:
    """A filesystem plus the root path inside it."""

    filesystem: pafs.FileSystem
    root: str
    uri: str

    @property
    def is_local(self) -> bool:
        """Whether paths are plain local paths (Ray Tune and RLlib accept them as they are)."""
        return isinstance(self.filesystem, pafs.LocalFileSystem)

    def path(self, *parts: str) -> str:
        """A path under the root, in the filesystem's own syntax."""
        return "/".join([self.root.rstrip("/"), *(part.strip("/") for part in parts)])

    def uri_of(self, *parts: str) -> str:
        """A URI under the root that Ray, RLlib and pyarrow all accept."""
        if self.is_local:
            return self.path(*parts)
        return "/".join([self.uri.rstrip("/"), *(part.strip("/") for part in parts)])

    def check_writable(self) -> None:
        """Write, read back and delete a probe file; raise OSError naming the root if that fails."""
        probe = self.path(f".arenalab-probe-{uuid.uuid4().hex}")
        try:
            self.filesystem.create_dir(self.root, recursive=True)
            with self.filesystem.open_output_stream(probe) as out:
                out.write(b"ok")
            with self.filesystem.open_input_stream(probe) as handle:
                if handle.read() != b"ok":
                    raise OSError("read back different bytes")
            self.filesystem.delete_file(probe)
        except Exception as exc:
            raise OSError(f"storage {self.uri} is not writable: {exc}") from exc


def open_storage(settings: Settings | None = None) -> Storage:
    """Resolve ``ARENALAB_STORAGE`` into a filesystem and root path."""
    uri = (settings or get_settings()).storage
    if "://" not in uri:
        local = Path(uri).expanduser().resolve()
        return Storage(pafs.LocalFileSystem(), str(local), str(local))
    filesystem, root = pafs.FileSystem.from_uri(uri)
    return Storage(filesystem, root, uri)
