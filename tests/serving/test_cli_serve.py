"""``arenalab serve`` refuses an exposed bind without an API key, before starting Ray."""

from __future__ import annotations

from arenalab.cli import app
from typer.testing import CliRunner


def test_exposed_bind_without_key_is_refused(data_dir) -> None:
    """Exit code 2 and the variable to set, not a traceback."""
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "ARENALAB_API_KEY is required" in result.output
