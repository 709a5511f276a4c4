"""Tiny trained checkpoints shared by the policy library tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from arenalab.envs.arena.spec import OBS_SPEC_VERSION
from arenalab.registry import Registry
from arenalab.settings import load_settings

from tests.policy_models import train_filtered, train_registered


@pytest.fixture(scope="session")
def filtered_checkpoint(ray_head, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PPO arena checkpoint whose env runner normalised observations (MeanStdFilter)."""
    return train_filtered(tmp_path_factory.mktemp("policies") / "ckpt")


@pytest.fixture(scope="session")
def trained_checkpoint(ray_head, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A checkpoint from ``arenalab.training.train`` (what ``arenalab train`` writes)."""
    settings = load_settings(data_dir=tmp_path_factory.mktemp("trained") / "data")
    registry = Registry.from_settings(settings)
    fighter = registry.create_fighter("trained.glb", {"obs_spec": OBS_SPEC_VERSION})
    model = registry.get_model(train_registered(settings, fighter.id))
    return Path(model.checkpoint_uri)
