"""CLI tests read settings afresh: each test has its own data folder (``data_dir``)."""

import pytest
from arenalab.settings import get_settings


@pytest.fixture
def fresh_settings(data_dir):
    """Settings cache cleared around the test, so in-process commands see ``data_dir``."""
    get_settings.cache_clear()
    yield data_dir
    get_settings.cache_clear()
