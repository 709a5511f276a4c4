"""The CLI run as a user runs it: a subprocess with its own environment."""

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import RayHead

ARENALAB = str(Path(sys.executable).parent / "arenalab")


def run(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``arenalab ARGS`` with only the given ARENALAB_ settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ARENALAB_")}
    return subprocess.run(
        [ARENALAB, *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


COMMANDS = [
    "doctor",
    "demo",
    "serve",
    "train",
    "evaluate",
    "watch",
    "league",
    "offline",
    "registry status",
    "registry backup",
    "registry restore",
    "models ls",
    "runs ls",
    "submit train",
    "experiments ls",
    "experiments presets",
    "experiments schema",
    "experiments mapping",
    "experiments show",
    "envs ls",
    "envs spec",
    "sweep run",
    "sweep report",
    "datasets ls",
    "datasets describe",
    "datasets export",
]
"""Every command a user can type, as the docs name them."""


def _mounted(command: object, path: tuple[str, ...] = ()) -> list[str]:
    subcommands = getattr(command, "commands", None)
    if not subcommands:
        return [" ".join(path)]
    return [name for key, sub in subcommands.items() for name in _mounted(sub, (*path, key))]


def test_every_command_is_mounted_and_explains_itself() -> None:
    """The CLI has exactly the documented commands; each one's --help prints its usage."""
    import typer
    from arenalab.cli import app
    from typer.testing import CliRunner

    assert sorted(_mounted(typer.main.get_command(app))) == sorted(COMMANDS)
    runner = CliRunner()
    top = runner.invoke(app, ["--help"])
    assert top.exit_code == 0
    for command in COMMANDS:
        assert f" {command.split()[0]} " in top.output, command
        shown = runner.invoke(app, [*command.split(), "--help"])
        assert shown.exit_code == 0, (command, shown.output)
        assert f"Usage: arenalab {command}" in " ".join(shown.output.split()), command


def test_doctor_is_healthy_against_the_test_cluster(ray_head: RayHead, tmp_path: Path) -> None:
    """Doctor joins the cluster by ARENALAB_RAY_ADDRESS, creates the registry, exits 0."""
    result = run("doctor", env={**ray_head.env, "ARENALAB_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ray" in result.stdout and "2 CPU" in result.stdout
    assert "registry" in result.stdout and "revision" in result.stdout
    assert (tmp_path / "data" / "arenalab.db").exists()


def test_doctor_fails_when_ray_is_unreachable(tmp_path: Path) -> None:
    """An unreachable Ray address is reported as FAIL with exit status 1."""
    result = run(
        "doctor", env={"ARENALAB_DATA_DIR": str(tmp_path), "ARENALAB_RAY_ADDRESS": "127.0.0.1:1"}
    )
    assert result.returncode == 1
    assert "FAIL" in result.stdout


def test_doctor_fails_when_storage_is_not_writable(tmp_path: Path) -> None:
    """Storage that cannot take a file is reported, and the exit status says so."""
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run(
        "doctor",
        "--skip-ray",
        env={"ARENALAB_DATA_DIR": str(tmp_path / "d"), "ARENALAB_STORAGE": str(blocker / "x")},
    )
    assert result.returncode == 1 and "not writable" in result.stdout


def test_bad_setting_names_the_variable(tmp_path: Path) -> None:
    """A bad ARENALAB_ value stops the command with the variable's name."""
    result = run("doctor", env={"ARENALAB_DATA_DIR": str(tmp_path), "ARENALAB_PORT": "x"})
    assert result.returncode == 2 and "ARENALAB_PORT" in result.stderr


def test_registry_backup_and_restore_commands(tmp_path: Path) -> None:
    """Backup writes a file, restore puts it back, a missing file is named."""
    env = {"ARENALAB_DATA_DIR": str(tmp_path / "data")}
    assert run("registry", "status", env=env).returncode == 0
    backup_file = tmp_path / "backup.db"
    assert run("registry", "backup", str(backup_file), env=env).returncode == 0
    assert backup_file.stat().st_size > 0
    restored = run("registry", "restore", str(backup_file), env=env)
    assert restored.returncode == 0 and "restored" in restored.stdout
    missing = run("registry", "restore", str(tmp_path / "nope.db"), env=env)
    assert missing.returncode == 1 and "nope.db" in missing.stderr
