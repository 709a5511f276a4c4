"""The three command shapes of `arenalab sweep`, as a user types them (no Ray needed)."""

import os
import subprocess
import sys
from pathlib import Path

ARENALAB = str(Path(sys.executable).parent / "arenalab")


def run(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    """Run ``arenalab sweep ARGS`` with a private data dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARENALAB_")}
    env["ARENALAB_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [ARENALAB, "sweep", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_help_lists_run_and_report(tmp_path: Path) -> None:
    """`arenalab sweep --help` shows the run and report commands, the size options, Ctrl-C."""
    result = run("--help", data_dir=tmp_path)
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "run" in text and "report" in text
    assert "--max-trials N" in text and "--iterations N" in text and "Ctrl-C" in text


def test_invalid_file_exits_2_naming_file_key_and_reason(tmp_path: Path) -> None:
    """`arenalab sweep FILE` with a bad key fails before Ray starts, exit status 2."""
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\nbase: {preset: rapide}\nsearch:\n  training.lr: {choice: [1]}\n")
    result = run(str(path), data_dir=tmp_path)
    assert result.returncode == 2
    assert f"{path}: search.training.lr: unknown parameter 'lr'" in result.stderr


def test_resume_and_report_of_an_unknown_sweep_say_so(tmp_path: Path) -> None:
    """`--resume NAME` and `report NAME` name the missing sweep and where they looked."""
    for args in (("--resume", "nope"), ("report", "nope")):
        result = run(*args, data_dir=tmp_path)
        assert result.returncode == 2
        assert "no sweep 'nope' in" in result.stderr


def test_file_and_resume_together_are_refused(tmp_path: Path) -> None:
    """A FILE and --resume NAME together are ambiguous: exit 2."""
    result = run(str(tmp_path / "x.yaml"), "--resume", "x", data_dir=tmp_path)
    assert result.returncode == 2 and "not both" in result.stderr


def test_run_help_documents_ctrl_c_and_the_size_options(tmp_path: Path) -> None:
    """`arenalab sweep run --help` shows --max-trials, --iterations and what Ctrl-C does."""
    result = run("run", "--help", data_dir=tmp_path)
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "--max-trials" in text and "--iterations" in text and "Ctrl-C" in text


def test_size_options_with_resume_are_refused(tmp_path: Path) -> None:
    """A resumed sweep keeps the size it started with: --iterations with --resume exits 2."""
    result = run("--resume", "x", "--iterations", "2", data_dir=tmp_path)
    assert result.returncode == 2 and "a resumed one keeps its own" in result.stderr
