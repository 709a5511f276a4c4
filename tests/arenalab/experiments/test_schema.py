"""Experiment validation, presets, precedence, YAML and the form schema (no Ray)."""

from pathlib import Path

import pytest
import yaml
from arenalab.experiments import (
    PRESETS,
    Experiment,
    ExperimentError,
    build_experiment,
    load_experiment,
    parameters_schema,
    save_experiment,
)
from arenalab.experiments.schema import ArenaGame, PacManGame

from tests.seed_examples import SEED_EXPERIMENT, SEED_PARAMETERS

SEED_BODY = {  # seed 004's example request body, its parameters at the top level
    **{key: SEED_EXPERIMENT[key] for key in ("name", "tags", "preset")},
    **SEED_PARAMETERS,
}


NOT_FROM_THE_SEED = {"kind", "max_steps", "observation", "env_steps"}


def test_defaults_have_the_seed_parameters_in_four_groups():
    """Seed 004 announces 20 parameters but lists 19 (5 + 5 + 4 + 5): all are here."""
    experiment = Experiment()
    groups = {
        group: set(type(getattr(experiment, group)).model_fields) - NOT_FROM_THE_SEED
        for group in ("training", "game", "intelligence", "visualization")
    }
    assert sum(len(fields) for fields in groups.values()) == 19
    assert groups["intelligence"] == {
        "exploration_rate",
        "target_update",
        "learning_starts",
        "train_freq",
    }


def test_seed_body_validates_with_flags_as_booleans_and_explicit_values_beating_the_preset():
    """The seed's body validates: 0/1 flags become booleans, its grid_size beats the preset's."""
    experiment = build_experiment(SEED_BODY)
    assert experiment.visualization.show_grid is True
    assert experiment.visualization.highlight_path is False
    assert experiment.preset == "débutant"
    assert experiment.game.grid_size == 10  # explicit beats the preset's 7


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"training": {"gamma": 1.5}}, "training.gamma"),
        ({"training": {"learning_rat": 0.1}}, "training.learning_rat"),
        ({"game": {"grid_size": 3}}, "game.grid_size"),
        ({"visualization": {"fps": 0}}, "visualization.fps"),
        ({"environment": "arena", "game": {"grid_size": 9}}, "game.grid_size"),
        ({"colour": "red"}, "colour"),
        ({"game": {"grid_size": 5, "num_ghosts": 3}}, "game"),
        ({"game": {"observation": "pixels"}}, "game.observation"),
        ({"training": {"env_steps": 0}}, "training.env_steps"),
        ({"run": {"conv_filters": [[16, 3]]}}, "run.conv_filters.0"),
        ({"environment": "multiagent-pacman", "game": {"observation": "image"}}, "experiment"),
    ],
)
def test_unknown_keys_and_out_of_range_values_name_the_field(body, field):
    """A typo'd key or an out-of-range value fails naming the source and the field's path."""
    with pytest.raises(ExperimentError, match=rf"x\.yaml: .*\n  {field}: "):
        build_experiment(body, source="x.yaml")


@pytest.mark.parametrize(
    ("algorithm", "environment", "needed"),
    [("DQN", "arena", "Discrete"), ("SAC", "pacman", "Box"), ("TQC", "multiagent-pacman", "Box")],
)
def test_algorithm_must_suit_the_action_space(algorithm, environment, needed):
    """An algorithm on actions it cannot take (DQN on a Box) is refused, naming the space."""
    with pytest.raises(ExperimentError, match=f"algorithm={algorithm} needs {needed} actions"):
        build_experiment({"algorithm": algorithm, "environment": environment})


def test_environment_selects_the_game_schema():
    """``environment`` picks the game's parameters: Pac-Man's or the arena's, with its checks."""
    assert isinstance(build_experiment({}).game, PacManGame)
    arena = build_experiment({"environment": "arena", "game": {"num_fighters": 4, "fighters": [1]}})
    assert isinstance(arena.game, ArenaGame)
    assert arena.game.num_fighters == 4
    with pytest.raises(ExperimentError, match="game.fighters lists 3 learners"):
        build_experiment({"environment": "arena", "game": {"fighters": [1, 2, 3]}})


@pytest.mark.parametrize("name", ["débutant", "debutant", "DÉBUTANT", "intermediaire", "rapide"])
def test_presets_found_with_or_without_accents(name):
    """A preset is found however its accents and case are typed (debutant, DÉBUTANT)."""
    assert build_experiment(preset=name).preset in PRESETS


def test_every_preset_validates_for_every_environment():
    """Each preset builds a valid experiment on Pac-Man, multi-agent Pac-Man and the arena."""
    for name in PRESETS:
        for environment in ("pacman", "multiagent-pacman", "arena"):
            build_experiment({"environment": environment}, preset=name)


def test_unknown_preset_lists_the_choices():
    """An unknown preset's error lists the presets there are."""
    with pytest.raises(
        ExperimentError, match="unknown preset 'expertise'; choose one of: débutant"
    ):
        build_experiment(preset="expertise")


def test_precedence_defaults_preset_explicit_then_set():
    """Defaults < preset < the file's values < ``--set``: each later source wins key by key."""
    experiment = build_experiment(
        {"training": {"episodes": 50, "gamma": 0.9}},
        preset="debutant",
        sets=["training.gamma=0.8", "game.num_ghosts=0", "run.hidden_sizes=[16, 16]"],
    )
    assert experiment.training.learning_rate == PRESETS["débutant"]["training"]["learning_rate"]
    assert experiment.training.episodes == 50
    assert experiment.training.gamma == 0.8
    assert experiment.game.num_ghosts == 0
    assert experiment.run.hidden_sizes == [16, 16]
    assert experiment.intelligence.learning_starts == 1000  # default


def test_bad_set_syntax_is_reported():
    """A ``--set`` without ``=value`` is refused with the expected form."""
    with pytest.raises(ExperimentError, match="expected group.param=value"):
        build_experiment(sets=["training.gamma"])


def test_yaml_round_trip(tmp_path):
    """A saved experiment loads back equal, accents kept as written."""
    experiment = build_experiment(SEED_BODY)
    path = save_experiment(experiment, tmp_path / "exp.yaml")
    assert load_experiment(path) == experiment
    assert "débutant" in path.read_text(encoding="utf-8")


def test_yaml_errors_name_the_file(tmp_path):
    """An invalid value or a file that holds no mapping is reported with the file's path."""
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"training": {"batch_size": -1}}))
    with pytest.raises(ExperimentError, match=rf"{path}: invalid.*\n  training.batch_size"):
        load_experiment(path)
    path.write_text("- a list\n")
    with pytest.raises(ExperimentError, match="expected a mapping"):
        load_experiment(path)


def test_example_files_validate():
    """Every shipped file in experiments/ loads and validates."""
    examples = sorted((Path(__file__).parents[3] / "experiments").glob("*.yaml"))
    assert len(examples) >= 4
    for path in examples:
        load_experiment(path)


def test_form_schema_has_groups_types_ranges_defaults_units_and_descriptions():
    """The form schema gives each field a type, range, default, unit and description."""
    schema = parameters_schema()
    lr = schema["groups"]["training"]["fields"]["learning_rate"]
    assert lr["type"] == "number" and lr["default"] == 1e-3 and lr["maximum"] == 1.0
    assert lr["unit"] and lr["description"]
    assert schema["game"]["pacman"]["fields"]["grid_size"]["minimum"] == 5
    assert schema["game"]["arena"]["fields"]["opponents"]["enum"] == [
        "heuristic",
        "random",
        "mixed",
        "league",
    ]
    assert schema["groups"]["visualization"]["fields"]["show_grid"]["type"] == "boolean"
    assert set(schema["presets"]) == set(PRESETS)
    assert schema["algorithms"] == ["PPO", "APPO", "IMPALA", "DQN", "SAC", "TQC", "A2C", "TD3"]


def test_presets_say_what_they_are_for():
    """Débutant budgets env steps on per-move features; rapide says it is a smoke test."""
    debutant = build_experiment(preset="débutant")
    assert debutant.training.env_steps and debutant.game.observation == "features"
    assert "smoke test" in PRESETS["rapide"]["description"].lower()
    multi = build_experiment({"environment": "multiagent-pacman"}, preset="débutant")
    assert multi.game.observation == "planes"  # the multi-agent game observes v1 only
