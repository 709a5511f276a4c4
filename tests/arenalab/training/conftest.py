"""Fixtures for training tests: fresh settings on a private data dir, and a tiny experiment."""

import copy

import pytest
from arenalab.experiments import build_experiment
from arenalab.settings import Settings, get_settings

TINY = {
    "name": "tiny",
    "game": {"grid_size": 5, "num_ghosts": 1, "power_pellets": 0, "max_steps": 50},
    "training": {"batch_size": 64, "buffer_size": 256, "episodes": 100_000},
    "resources": {"num_env_runners": 0},
    "run": {"hidden_sizes": [16], "checkpoint_every": 1, "evaluation_episodes": 3},
    "rllib": {"num_epochs": 1},
}


@pytest.fixture
def settings(data_dir) -> Settings:
    """Settings read after ``data_dir`` pointed ARENALAB_DATA_DIR at a private folder."""
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def tiny():
    """A PPO experiment whose iterations take about a second."""
    return build_experiment(TINY)


@pytest.fixture
def tiny_data():
    """The tiny experiment as a dict, to vary per test."""
    return copy.deepcopy(TINY)
