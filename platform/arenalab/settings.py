"""One typed settings object for every part of arenalab (``ARENALAB_*`` variables and ``.env``).

Embedded defaults run on a laptop with no configuration (local Ray, SQLite and
``./data``); a cluster changes only these values (docs/architecture.md section 2).
"""

from __future__ import annotations

import ipaddress
import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "ARENALAB_"
MIN_API_KEY_LENGTH = 16
DEFAULT_CORS_ORIGINS = [
    "http://localhost:8000",  # seed 000's game server
    "http://127.0.0.1:8000",
    "http://localhost:5173",  # seed 004's Vite lab frontend
    "http://127.0.0.1:5173",
]


class SettingsError(ValueError):
    """A setting is invalid; the message names the environment variable to fix."""


class Settings(BaseSettings):
    """Where arenalab keeps its state and how it is reached."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", validate_default=True
    )

    data_dir: Path = Field(Path("data"), description="Local state: SQLite, write-ahead logs, logs.")
    storage: str = Field(
        "",
        description="Datasets, checkpoints and runs: a local path or a pyarrow filesystem URI "
        "(s3://, gs://, hdfs://, file://). Empty means the data dir.",
    )
    database_url: str = Field(
        "", description="SQLAlchemy URL of the registry. Empty means SQLite in the data dir."
    )
    host: str = Field("127.0.0.1", description="Interface the HTTP API binds to.")
    port: int = Field(8001, ge=1, le=65535, description="Port of the HTTP API.")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_CORS_ORIGINS),
        description="Browser origins allowed to call the API (JSON list or comma-separated).",
    )
    api_key: SecretStr | None = Field(
        None,
        description=f"Admin key (at least {MIN_API_KEY_LENGTH} characters); required whenever "
        "the API binds beyond loopback.",
    )
    ray_address: str | None = Field(
        None, description="Ray cluster to join (e.g. ray://head:10001 or head:6379); none = local."
    )

    # Frame ingestion (docs/ingestion.md) -----------------------------------------
    wal_dir: Path | None = Field(
        None,
        description="Write-ahead log folder. Empty means {data_dir}/wal: node-local, survives "
        "a process crash but not the loss of the node; a shared filesystem survives both.",
    )
    ingest_max_body_bytes: int = Field(
        8 * 1024 * 1024, ge=1024, description="Largest request body accepted (else 413)."
    )
    ingest_max_batch_frames: int = Field(
        2000, ge=1, description="Most frames in one batch POST or stream message (else 422)."
    )
    ingest_durability: Literal["fsync", "os"] = Field(
        "fsync",
        description="When a frame is acknowledged: fsync (after the log's fdatasync; survives "
        "a power loss) or os (once the write reached the OS: survives a crash or kill -9 of "
        "arenalab, not a power loss or kernel crash, which may take the last "
        "ARENALAB_INGEST_OS_SYNC_INTERVAL_MS of frames).",
    )
    ingest_os_sync_interval_ms: int = Field(
        100,
        ge=1,
        le=60_000,
        description="In os durability, the most milliseconds between background fsyncs of the "
        "log (and at every segment seal): what a power loss can take.",
    )
    ingest_max_pending_frames: int = Field(
        100_000,
        ge=1,
        description="Frames waiting for their fsync per replica before new ones get 503.",
    )
    ingest_token_ttl_s: int = Field(
        6 * 3600, ge=60, description="Lifetime of the per-episode ingest token of POST /episodes."
    )
    ingest_compaction_interval_s: float = Field(
        60.0, gt=0, description="Seconds between background compactions of the log into Parquet."
    )
    ingest_segment_max_bytes: int = Field(
        64 * 1024 * 1024,
        ge=1024,
        description="Log segment size that triggers a compaction before the interval ends.",
    )
    serve_ingress: Literal["direct", "proxy", "haproxy"] = Field(
        "direct",
        description="How `arenalab serve` starts Ray: replicas serve HTTP themselves (direct), "
        "Serve's default proxy, or HAProxy (docs/ingestion.md, benchmarks/results/ingest.json).",
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            if value.lstrip().startswith("["):
                return json.loads(value)
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("data_dir", "wal_dir")
    @classmethod
    def _absolute(cls, value: Path | None) -> Path | None:
        return value.expanduser().resolve() if value is not None else None

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if value and not value.split(":", 1)[0].startswith(("sqlite", "postgresql")):
            raise ValueError("expected a sqlite:/// or postgresql+psycopg:// URL")
        return value

    @field_validator("api_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        # ingest tokens are HMACs under a key derived from this one: a short (or empty)
        # key is guessed offline from one token, and then every token can be forged
        if value is not None and len(value.get_secret_value()) < MIN_API_KEY_LENGTH:
            raise ValueError(
                f"must be at least {MIN_API_KEY_LENGTH} characters (e.g. `openssl rand -hex 24`)"
            )
        return value

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.storage:
            self.storage = str(self.data_dir)
        if self.wal_dir is None:
            self.wal_dir = self.data_dir / "wal"
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'arenalab.db'}"
        if not self.is_loopback and self.api_key is None:
            raise ValueError(
                f"{ENV_PREFIX}API_KEY is required when {ENV_PREFIX}HOST={self.host} "
                "is not a loopback address"
            )
        return self

    @property
    def is_loopback(self) -> bool:
        """Whether only this machine can reach the API (the one unauthenticated mode)."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def shareable(settings: Settings) -> tuple[dict[str, Any], dict[str, str]]:
    """The settings split into overrides safe to show and the secrets, as variables.

    Serve deployment arguments and job runtime_envs are shown by the Ray dashboard to
    anyone who reaches it, so the API key and a database URL holding a password travel
    as environment variables instead: a local Ray started after ``os.environ`` holds them
    passes them to its workers; a cluster's nodes set them themselves (docs/cluster.md).
    """
    from sqlalchemy.engine import make_url  # only deployers need it

    public = settings.model_dump(mode="json", exclude={"api_key"})
    secrets = {}
    if settings.api_key is not None:
        secrets[f"{ENV_PREFIX}API_KEY"] = settings.api_key.get_secret_value()
    if make_url(settings.database_url).password is not None:
        secrets[f"{ENV_PREFIX}DATABASE_URL"] = public.pop("database_url")
    return public, secrets


def load_settings(**overrides: object) -> Settings:
    """Read the settings now, turning validation errors into one message per variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"])
            if field:
                name = f"{ENV_PREFIX}{field.upper()}"
                got = "" if field == "api_key" else f" (got {error.get('input')!r})"  # a secret
                problems.append(f"{name}: {error['msg'].removeprefix('Value error, ')}{got}")
            else:
                problems.append(error["msg"].removeprefix("Value error, "))
        raise SettingsError("invalid settings:\n  " + "\n  ".join(problems)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once; tests call ``get_settings.cache_clear()``."""
    return load_settings()
