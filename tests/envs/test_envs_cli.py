"""``arenalab envs``: run as a user runs it (a subprocess), error paths in-process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from arenalab.cli import envs as envs_cli
from arenalab.envs.arena import spec_json
from typer.testing import CliRunner

ARENALAB = str(Path(sys.executable).parent / "arenalab")


def run(*args: str) -> subprocess.CompletedProcess:
    """Run ``arenalab envs ARGS``."""
    return subprocess.run([ARENALAB, "envs", *args], capture_output=True, text=True, timeout=120)


def test_spec_arena_prints_the_published_json() -> None:
    """The printed spec is exactly the library's current (v2) JSON; v1 prints by name."""
    result = run("spec", "arena")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(json.dumps(spec_json()))
    assert json.loads(result.stdout)["version"] == "arena-obs-v2"
    old = CliRunner().invoke(envs_cli.app, ["spec", "arena-obs-v1"])
    assert old.exit_code == 0, old.output
    assert json.loads(old.stdout) == json.loads(json.dumps(spec_json("arena-obs-v1")))


def test_spec_pacman_depends_on_grid_size_and_bad_input_fails() -> None:
    """Pac-Man's layout length follows --grid-size; unknown games and sizes exit 2."""
    runner = CliRunner()
    result = runner.invoke(envs_cli.app, ["spec", "pacman", "--grid-size", "12"])
    assert result.exit_code == 0, result.output
    described = json.loads(result.stdout)
    assert described["length"] == 7 * 144 + 4 and described["actions"]["n"] == 5
    assert runner.invoke(envs_cli.app, ["spec", "chess"]).exit_code == 2
    bad = runner.invoke(envs_cli.app, ["spec", "pacman", "--grid-size", "3"])
    assert bad.exit_code == 2 and "grid_size" in bad.stderr


def test_ls_lists_the_catalogue() -> None:
    """`envs ls` shows the four environments, one line each, with their kind."""
    result = run("ls")
    assert result.returncode == 0, result.stderr
    listed = {line.split()[0]: line.split()[1] for line in result.stdout.splitlines() if line}
    assert listed == {
        "arenalab/PacMan-v0": "single-agent",
        "arenalab/MultiAgentPacMan-v0": "multi-agent",
        "arenalab/Arena-v0": "single-agent",
        "arenalab/MultiAgentArena-v0": "multi-agent",
    }
