"""Settings: embedded defaults, ARENALAB_ variables and .env, and errors that name the variable."""

from pathlib import Path

import pytest
from arenalab.settings import SettingsError, load_settings


def test_embedded_defaults_live_in_the_data_dir(data_dir: Path) -> None:
    """With no configuration everything lives under ARENALAB_DATA_DIR."""
    settings = load_settings()
    assert settings.data_dir == data_dir.resolve()
    assert settings.storage == str(data_dir.resolve())
    assert settings.database_url == f"sqlite:///{data_dir.resolve() / 'arenalab.db'}"
    assert (settings.host, settings.port) == ("127.0.0.1", 8001)
    assert "http://localhost:8000" in settings.cors_origins  # the seed's game server


def test_environment_and_dotenv(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Values come from .env and ARENALAB_ variables, lists from comma strings."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("ARENALAB_PORT=9001\nARENALAB_STORAGE=s3://bucket/arena\n")
    monkeypatch.setenv("ARENALAB_CORS_ORIGINS", "http://game.local:8000, http://lab.local")
    monkeypatch.setenv("ARENALAB_RAY_ADDRESS", "ray://head:10001")
    settings = load_settings()
    assert settings.port == 9001 and settings.storage == "s3://bucket/arena"
    assert settings.cors_origins == ["http://game.local:8000", "http://lab.local"]
    assert settings.ray_address == "ray://head:10001"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ARENALAB_PORT", "eighty"),
        ("ARENALAB_PORT", "70000"),
        ("ARENALAB_DATABASE_URL", "mysql://db/arena"),
        ("ARENALAB_API_KEY", None),  # exposed bind without a key
    ],
)
def test_invalid_settings_name_the_variable(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str | None
) -> None:
    """Each invalid value is reported with the variable to fix."""
    if value is None:
        monkeypatch.setenv("ARENALAB_HOST", "0.0.0.0")
    else:
        monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=variable):
        load_settings()


def test_exposed_bind_with_a_key_is_accepted(data_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """Binding beyond loopback is allowed once an API key is set."""
    monkeypatch.setenv("ARENALAB_HOST", "0.0.0.0")
    monkeypatch.setenv("ARENALAB_API_KEY", "s3cret-of-16-chars")
    settings = load_settings()
    assert not settings.is_loopback
    assert settings.api_key.get_secret_value() == "s3cret-of-16-chars"


@pytest.mark.parametrize("host", ["0.0.0.0", "127.0.0.1"])
@pytest.mark.parametrize("key", ["", "s3cret", "x" * 15])
def test_short_api_keys_are_refused(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, host: str, key: str
) -> None:
    """An empty or short key (ingest tokens are HMACs under it) names the variable, not the key."""
    monkeypatch.setenv("ARENALAB_HOST", host)
    monkeypatch.setenv("ARENALAB_API_KEY", key)
    with pytest.raises(
        SettingsError, match="ARENALAB_API_KEY: must be at least 16 characters"
    ) as exc:
        load_settings()
    assert key not in str(exc.value) or not key


def test_shareable_settings_hold_no_secret(data_dir: Path) -> None:
    """What Serve's arguments carry (the dashboard shows them) has no key and no password."""
    from arenalab.settings import shareable

    url = "postgresql+psycopg://arena:hunter2@db:5432/lab"
    settings = load_settings(api_key="k" * 24, database_url=url)
    public, secrets = shareable(settings)
    assert "api_key" not in public and "database_url" not in public
    assert "hunter2" not in str(public) and "k" * 24 not in str(public)
    assert secrets == {"ARENALAB_API_KEY": "k" * 24, "ARENALAB_DATABASE_URL": url}
    assert load_settings(**public, api_key="k" * 24).port == settings.port  # replicas rebuild
    plain = shareable(load_settings())[0]  # SQLite: nothing secret, the URL travels
    assert plain["database_url"].startswith("sqlite:///")
