"""``arenalab experiments ...`` and ``arenalab train`` argument errors (no Ray needed)."""

import json

from arenalab.cli import app
from typer.testing import CliRunner

runner = CliRunner()


def test_presets_lists_the_seed_preset_and_three_more():
    """`experiments presets` shows débutant, intermédiaire and expert from the seed, and rapide."""
    result = runner.invoke(app, ["experiments", "presets"])
    assert result.exit_code == 0
    for name in ("débutant", "intermédiaire", "expert", "rapide"):
        assert f"│ {name} " in result.output


def test_schema_is_json_a_form_can_use():
    """`experiments schema` prints JSON with the parameter groups a form lays out."""
    result = runner.invoke(app, ["experiments", "schema"])
    schema = json.loads(result.output)
    assert set(schema["groups"]) >= {"training", "intelligence", "visualization", "resources"}


def test_mapping_table_and_per_file_settings(tmp_path):
    """`experiments mapping` prints the parameter table; with a file, the RLlib values it sets."""
    table = runner.invoke(app, ["experiments", "mapping"])
    assert "| intelligence.target_update |" in table.output
    path = tmp_path / "dqn.yaml"
    path.write_text("algorithm: DQN\nintelligence: {train_freq: 8}\n")
    mapped = runner.invoke(app, ["experiments", "mapping", str(path)])
    assert mapped.exit_code == 0
    assert any(
        "training_intensity" in line and "8.0" in line for line in mapped.output.splitlines()
    )


def test_show_prints_yaml_and_warns_about_unused_parameters(tmp_path):
    """Show prints yaml and warns about a parameter the user set that PPO ignores."""
    path = tmp_path / "ppo.yaml"
    path.write_text("algorithm: PPO\npreset: debutant\nintelligence: {train_freq: 8}\n")
    result = runner.invoke(app, ["experiments", "show", str(path), "--set", "seed=3"])
    assert result.exit_code == 0
    assert "preset: débutant" in result.output and "seed: 3" in result.output
    assert "warning: intelligence.train_freq=8 does not apply to PPO" in result.output
    assert "target_update" not in result.output.split("warning:", 1)[1]  # left at its default


def test_train_rejects_an_invalid_value_naming_the_field_before_starting_ray(data_dir):
    """`train --set training.gamma=7` exits 2 naming the field and its bound, before Ray starts."""
    result = runner.invoke(app, ["train", "--preset", "rapide", "--set", "training.gamma=7"])
    assert result.exit_code == 2
    assert "training.gamma: Input should be less than or equal to 1" in result.output


def test_train_rejects_an_unknown_preset(data_dir):
    """`train --preset nope` exits 2 saying the preset is unknown."""
    result = runner.invoke(app, ["train", "--preset", "nope"])
    assert result.exit_code == 2 and "unknown preset 'nope'" in result.output
