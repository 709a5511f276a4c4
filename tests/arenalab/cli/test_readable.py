"""What commands print when nothing runs: usage, tables, warnings a user caused (no Ray)."""

from pathlib import Path

import pytest
import typer
from arenalab.cli import app
from arenalab.cli.train import experiment_or_exit
from typer.testing import CliRunner

runner = CliRunner()
PYTHON_REPR = ("{'", "datetime.", "<Source.", "(<")


def _plain(text: str) -> bool:
    return not any(marker in text for marker in PYTHON_REPR)


@pytest.mark.parametrize("command", [["train"], ["submit", "train"]])
def test_train_without_an_experiment_prints_usage_and_exits_2(fresh_settings, command):
    """`arenalab train` alone starts nothing: it prints its usage and what to give."""
    result = runner.invoke(app, command)
    assert result.exit_code == 2
    assert "Usage:" in result.output and "--preset" in result.output
    assert "give an experiment FILE" in result.output


def test_presets_are_a_table_and_json_for_scripts():
    """Presets: one row each with its changes as group.param = value; --json for scripts."""
    result = runner.invoke(app, ["experiments", "presets"])
    assert result.exit_code == 0 and _plain(result.output) and '{"' not in result.output
    assert "training.learning_rate = 0.001" in result.output
    assert "run.hidden_sizes = [32, 32]" in result.output
    as_json = runner.invoke(app, ["experiments", "presets", "--json"])
    import json

    assert json.loads(as_json.output)["rapide"]["training"]["episodes"] == 20


def test_mapping_of_a_file_is_a_table_of_rllib_keywords(tmp_path):
    """The RLlib settings of one file print as keyword | value rows, lists as JSON."""
    path = tmp_path / "dqn.yaml"
    path.write_text("algorithm: DQN\nintelligence: {train_freq: 8}\n")
    result = runner.invoke(app, ["experiments", "mapping", str(path)])
    assert result.exit_code == 0 and _plain(result.output)
    assert "training_intensity" in result.output and "epsilon" in result.output
    assert "[[0, 1.0], [11000, 0.1]]" in result.output
    assert "warning" not in result.output


def _warnings(tmp_path: Path, yaml: str, *args: str) -> list[str]:
    path = tmp_path / "experiment.yaml"
    path.write_text(yaml)
    result = runner.invoke(app, ["experiments", "show", str(path), *args])
    assert result.exit_code == 0, result.output
    return [line for line in result.output.splitlines() if line.startswith("warning:")]


def test_warnings_only_for_values_the_user_set(tmp_path):
    """Defaults and preset values a PPO run ignores stay silent; a value the user set warns once."""
    assert _warnings(tmp_path, "algorithm: PPO\n") == []
    assert _warnings(tmp_path, "algorithm: PPO\npreset: rapide\n") == []  # learning_starts: 100
    assert _warnings(tmp_path, "algorithm: PPO\n", "--set", "intelligence.train_freq=8") == [
        "warning: intelligence.train_freq=8 does not apply to PPO; ignored"
    ]


def test_runs_are_named_by_name_then_preset_then_file(tmp_path):
    """--name wins; an unnamed file takes its preset's name, else the file's own name."""
    path = tmp_path / "my-maze.yaml"
    path.write_text("game: {grid_size: 7}\n")
    assert experiment_or_exit(path, None, None).name == "my-maze"
    assert experiment_or_exit(path, "débutant", None).name == "débutant"
    assert experiment_or_exit(None, "rapide", None, "smoke 1").name == "smoke 1"
    named = tmp_path / "named.yaml"
    named.write_text("name: kept\npreset: rapide\n")
    assert experiment_or_exit(named, None, None).name == "kept"
    with pytest.raises(typer.Exit) as refused:
        experiment_or_exit(None, "rapide", None, "bad/name")
    assert refused.value.exit_code == 2


def test_an_empty_selection_is_named_as_the_user_wrote_it(data_dir):
    """The offline 'nothing stored' error shows the selector text, not a Python dict."""
    from arenalab.datasets.selection import parse_selector
    from arenalab.datasets.view import EmptySelectionError, selection_spec
    from arenalab.registry import Registry
    from arenalab.settings import load_settings
    from arenalab.storage import open_storage

    from tests.arenalab.datasets.stored import frame, store_episodes

    settings = load_settings(data_dir=data_dir)
    storage = open_storage(settings)
    with pytest.raises(EmptySelectionError) as empty:
        selection_spec(storage, parse_selector("from=2026-11-01,source=game"), [])
    message = str(empty.value)
    assert "game=arena,from=2026-11-01,source=game" in message and _plain(message)
    _, closed = store_episodes(storage, Registry.from_settings(settings), [[frame(0, [0.0] * 49)]])
    with pytest.raises(EmptySelectionError) as other_days:  # frames exist, none on these days
        selection_spec(storage, parse_selector("from=2030-01-01,source=game"), closed)
    assert "from=2030-01-01" in str(other_days.value) and _plain(str(other_days.value))


def test_quiet_mode_lowers_the_levels_ray_sets_on_import():
    """Without --verbose, Ray's loggers end at ERROR even though importing Ray resets them."""
    import subprocess
    import sys

    code = (
        "from arenalab.cli.quiet import quiet_ray; quiet_ray()\n"
        "import logging, os, ray.serve\n"
        "levels = [logging.getLogger(n).level for n in ('ray', 'ray.rllib', 'ray.serve')]\n"
        "print(levels, os.environ['RAY_LOG_TO_DRIVER'], os.environ['RAY_DATA_LOG_LEVEL'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.stdout.strip() == "[40, 40, 40] 0 ERROR", done.stdout + done.stderr
    assert runner.invoke(app, ["--verbose", "experiments", "presets"]).exit_code == 0
