"""Sweep files: every shipped file validates; invalid ones name the file, the key and the reason."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

import pytest
import yaml
from arenalab.experiments import build_config
from arenalab.sweeps import SweepError, load_sweep
from arenalab.sweeps.trainable import BASE_KEY, param_space, trial_experiment

TUNE_CONFIGS = sorted((Path(__file__).parents[3] / "tune_configs").glob("*.yaml"))
VALID = {
    "name": "ok",
    "base": {"preset": "rapide"},
    "algorithm": "PPO",
    "search": {"training.learning_rate": {"loguniform": [1e-4, 1e-3]}},
}


def write(tmp_path: Path, **changes: object) -> Path:
    """A sweep file: the valid one above with top-level keys replaced."""
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump({**VALID, **changes}), encoding="utf-8")
    return path


def test_tune_configs_ship_the_three_required_sweeps() -> None:
    """tune_configs/ has the Pac-Man ASHA, Pac-Man DQN grid and arena PBT sweeps."""
    names = {path.name for path in TUNE_CONFIGS}
    assert {"pacman_ppo_asha.yaml", "pacman_dqn_grid.yaml", "arena_ppo_pbt.yaml"} <= names


@pytest.mark.parametrize("path", TUNE_CONFIGS, ids=[path.name for path in TUNE_CONFIGS])
def test_every_tune_config_validates(path: Path) -> None:
    """Each shipped sweep file loads, and its search space translates to Tune objects."""
    plan = load_sweep(path)
    space = param_space(plan)
    assert set(space) == {BASE_KEY, *plan.searched}


def test_dqn_grid_searches_exploration_rate_by_target_update() -> None:
    """The DQN grid is exploration_rate x target_update, 9 trials."""
    plan = load_sweep(next(p for p in TUNE_CONFIGS if p.name == "pacman_dqn_grid.yaml"))
    assert plan.experiment.algorithm.value == "DQN"
    grid = {key: dist.grid for key, dist in plan.spec.search.items()}
    assert set(grid) == {"intelligence.exploration_rate", "intelligence.target_update"}
    assert len(grid["intelligence.exploration_rate"]) * len(grid["intelligence.target_update"]) == 9


def test_trial_values_go_through_the_experiment_mapping(tmp_path: Path) -> None:
    """A trial's sampled parameters reach RLlib through build_config (DQN epsilon, target)."""
    plan = load_sweep(
        write(
            tmp_path,
            algorithm="DQN",
            search={
                "intelligence.exploration_rate": {"grid": [0.05]},
                "intelligence.target_update": {"grid": [500]},
                "game.grid_size": {"randint": [7, 9]},
            },
        )
    )
    config = {
        BASE_KEY: plan.experiment.model_dump(mode="json"),
        "intelligence.exploration_rate": 0.05,
        "intelligence.target_update": 500,
        "game.grid_size": 8,
        "__trial_info__": object(),  # Tune adds keys of its own; they must be ignored
    }
    experiment = trial_experiment(config)
    rllib = build_config(experiment).config
    starts = experiment.intelligence.learning_starts
    assert rllib.epsilon == [(0, 1.0), (starts + 10_000, 0.05)]
    assert rllib.target_network_update_freq == 500
    assert rllib.env_config["grid_size"] == 8


@pytest.mark.parametrize(
    ("changes", "key", "reason"),
    [
        ({"serach": {}}, "serach", "Extra inputs are not permitted"),
        (
            {"search": {"training.learning_rate": {"normal": [0, 1]}}},
            "search.training.learning_rate.normal",
            "Extra inputs are not permitted",
        ),
        (
            {"search": {"training.learning_rate": {"loguniform": [0, 1e-3]}}},
            "search.training.learning_rate",
            "low must be > 0",
        ),
        (
            {"search": {"training.gamma": {"uniform": [0.99, 0.9]}}},
            "search.training.gamma",
            "low must be below high",
        ),
        (
            {"search": {"training.lr": {"choice": [1e-3]}}},
            "search.training.lr",
            "unknown parameter 'lr'",
        ),
        (
            {"search": {"optimizer.lr": {"choice": [1e-3]}}},
            "search.optimizer.lr",
            "not a parameter",
        ),
        (
            {"search": {"intelligence.target_update": {"grid": [100, 500]}}},
            "search.intelligence.target_update",
            "does not apply to PPO",
        ),
        (
            {"search": {"training.learning_rate": {"uniform": [0.1, 2.0]}}},
            "search.training.learning_rate=2.0",
            "less than or equal to 1",
        ),
        (
            {"scheduler": {"type": "asha", "max_t": 2, "grace_period": 5}},
            "scheduler",
            "grace_period=5 exceeds max_t=2",
        ),
        (
            {
                "scheduler": {
                    "type": "pbt",
                    "perturbation_interval": 2,
                    "mutations": {"training.gamma": {"uniform": [0.9, 0.99]}},
                },
                "checkpoint": {"num_to_keep": 2},
            },
            "checkpoint.num_to_keep",
            "keep all",
        ),
        ({"base": {"preset": "legendary"}}, "base.preset", "unknown preset"),
        ({"mode": "maximize"}, "mode", "Input should be 'max' or 'min'"),
    ],
)
def test_invalid_files_name_file_key_and_reason(
    tmp_path: Path, changes: dict, key: str, reason: str
) -> None:
    """Each mistake fails at load time with the file, the key and why."""
    path = write(tmp_path, **changes)
    with pytest.raises(SweepError) as caught:
        load_sweep(path)
    message = str(caught.value)
    assert str(path) in message and key in message and reason in message, message


@pytest.mark.skipif(find_spec("optuna") is not None, reason="optuna is installed here")
def test_optuna_without_the_package_is_refused_before_any_trial(tmp_path: Path) -> None:
    """Asking for Optuna when it is not installed fails at load time, naming the package."""
    with pytest.raises(SweepError, match=r"search_algorithm: optuna is not installed"):
        load_sweep(write(tmp_path, search_algorithm="optuna"))


def test_optuna_refuses_grid_and_pbt(tmp_path: Path) -> None:
    """Optuna samples its own points (no grid) and cannot drive a PBT population."""
    grid = {"training.learning_rate": {"grid": [1e-4, 1e-3]}}
    with pytest.raises(SweepError, match=r"search.training.learning_rate: optuna samples"):
        load_sweep(write(tmp_path, search_algorithm="optuna", search=grid))
    pbt = {
        "type": "pbt",
        "perturbation_interval": 2,
        "mutations": {"training.gamma": {"uniform": [0.9, 0.99]}},
    }
    with pytest.raises(SweepError, match=r"search_algorithm: optuna cannot drive a PBT"):
        load_sweep(write(tmp_path, search_algorithm="optuna", scheduler=pbt))


def test_yaml_errors_name_the_file(tmp_path: Path) -> None:
    """Broken YAML and a non-mapping document are reported with the file name."""
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(SweepError, match=rf"{path}: not valid YAML"):
        load_sweep(path)
    path.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(SweepError, match=rf"{path}: expected a mapping"):
        load_sweep(path)


def test_a_broken_base_file_is_named_with_the_sweep_file(tmp_path: Path) -> None:
    """A ``base.file`` that is missing or no mapping names the sweep file, the key and itself."""
    path = write(tmp_path, base={"file": "base.yaml"})
    base = tmp_path / "base.yaml"
    with pytest.raises(SweepError, match=rf"{path}: base.file: {base}: cannot read"):
        load_sweep(path)
    base.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(SweepError, match=rf"{path}: base.file: {base}: expected a mapping"):
        load_sweep(path)


def test_max_trials_and_iterations_shrink_every_shipped_sweep() -> None:
    """``--max-trials 2 --iterations 3`` makes each shipped file 2 trials of at most 3."""
    from arenalab.sweeps.limits import limit_plan, trial_count

    for path in TUNE_CONFIGS:
        plan = limit_plan(load_sweep(path), max_trials=2, iterations=3)
        assert 1 <= trial_count(plan.spec) <= 2, path.name
        assert plan.spec.stop["training_iteration"] == 3, path.name
        scheduler = plan.spec.scheduler
        if scheduler is not None and scheduler.type == "asha":
            assert scheduler.max_t == 3 and scheduler.grace_period <= 3, path.name


def test_max_trials_keeps_the_first_grid_values_and_caps_samples(tmp_path: Path) -> None:
    """A 3x3 grid under --max-trials 4 keeps 2x2 first values; samples fill what is left."""
    from arenalab.sweeps.limits import limit_plan, trial_count

    grid = {
        "intelligence.exploration_rate": {"grid": [0.0, 0.1, 0.2]},
        "training.gamma": {"grid": [0.9, 0.95, 0.99]},
    }
    plan = load_sweep(write(tmp_path, search=grid, num_samples=5, stop={"training_iteration": 2}))
    assert trial_count(plan.spec) == 45
    small = limit_plan(plan, max_trials=4, iterations=10)
    assert {key: dist.grid for key, dist in small.spec.search.items()} == {
        "intelligence.exploration_rate": [0.0, 0.1],
        "training.gamma": [0.9, 0.95],
    }
    assert small.spec.num_samples == 1 and trial_count(small.spec) == 4
    assert small.spec.stop == {"training_iteration": 2}  # a lower cap in the file stays
    sampled = load_sweep(write(tmp_path, num_samples=8))
    assert limit_plan(sampled, max_trials=3).spec.num_samples == 3
    assert limit_plan(sampled, max_trials=30).spec.num_samples == 8


def test_each_distribution_samples_what_the_file_says() -> None:
    """Every vocabulary key becomes the Tune sampler it names, with the file's bounds."""
    from arenalab.sweeps.space import Distribution, to_tune
    from ray.tune.search.sample import Categorical, Float, Integer

    def made(**spec: object) -> object:
        return to_tune(Distribution.model_validate(spec))

    assert made(grid=[1, 2]) == {"grid_search": [1, 2]}
    assert isinstance(made(choice=["a", "b"]), Categorical)
    uniform, log = made(uniform=[0.5, 2]), made(loguniform=[1e-4, 1e-2])
    assert isinstance(uniform, Float) and (uniform.lower, uniform.upper) == (0.5, 2.0)
    assert type(uniform.get_sampler()).__name__ == "_Uniform"
    assert isinstance(log, Float) and (log.lower, log.upper) == (1e-4, 1e-2)
    assert type(log.get_sampler()).__name__ == "_LogUniform"
    integer = made(randint=[1, 3])
    assert isinstance(integer, Integer) and (integer.lower, integer.upper) == (1, 4)  # 3 included
