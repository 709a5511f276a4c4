"""One tiny filtered PPO checkpoint shared by the policy library tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.policy_models import train_filtered


@pytest.fixture(scope="session")
def filtered_checkpoint(ray_head, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PPO arena checkpoint whose env runner normalised observations (MeanStdFilter)."""
    return train_filtered(tmp_path_factory.mktemp("policies") / "ckpt")
