"""Node.js for the example tests: where it is, and how it gets a global WebSocket."""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MIN_NODE = 18  # global fetch, node:test, util.parseArgs


def _node() -> str | None:
    """The node binary if it is recent enough for the examples."""
    node = shutil.which("node")
    if node is None:
        return None
    version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=60)
    major = int(version.stdout.strip().lstrip("v").split(".")[0] or 0)
    return node if major >= MIN_NODE else None


NODE = _node()
requires_node = pytest.mark.skipif(NODE is None, reason=f"no node {MIN_NODE}+ installed")


@functools.cache
def websocket_flags() -> list[str] | None:
    """``[]`` where WebSocket is global (Node 22+), the Node 20 flag, or None (Node 18)."""
    for flags in ([], ["--experimental-websocket"]):
        probe = [NODE, *flags, "-e", "process.exit(typeof WebSocket === 'function' ? 0 : 1)"]
        if subprocess.run(probe, capture_output=True, timeout=60).returncode == 0:
            return flags
    return None


def node_websocket() -> list[str]:
    """The node command with a global WebSocket; skips the test where this node has none."""
    if NODE is None:
        pytest.skip(f"no node {MIN_NODE}+ installed")
    flags = websocket_flags()
    if flags is None:
        pytest.skip("this node has no WebSocket (Node 20+ has one)")
    return [NODE, *flags]


def run(command: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run a command from the repository root; fail the test with its output if it fails."""
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout + result.stderr
    return result
