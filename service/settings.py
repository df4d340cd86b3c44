"""All runtime settings, read once from the environment (prefix CLAIMRISK_) with pydantic-settings."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]
CommaList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    """Every knob of the CLI and the service; a bad value stops start-up with a message naming it."""

    model_config = SettingsConfigDict(env_prefix="CLAIMRISK_", extra="ignore")

    models_dir: Path = Field(REPO_ROOT / "models", description="where `train` writes versions and `current` lives")
    model_dir: Path | None = Field(None, description="serve this artifact instead of models_dir/current")
    data_dir: Path = Field(REPO_ROOT / "var", description="service state: the feedback database")
    api_keys: CommaList = Field(default_factory=list, description="bearer keys for /v1/ routes, comma-separated")
    api_keys_file: Path | None = Field(None, description="file of bearer keys, one a line")
    admin_keys: CommaList = Field(default_factory=list, description="bearer keys for /v1/admin/ routes")
    max_batch: int = Field(64, ge=1, le=10_000)
    max_body_bytes: int = Field(1 << 20, ge=1024)
    max_chars: int = Field(200_000, ge=1)
    cors_origins: CommaList = Field(default_factory=list, description="origins allowed by CORS, comma-separated")

    @field_validator("api_keys", "admin_keys", "cors_origins", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("api_keys_file")
    @classmethod
    def _readable(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value} is not a readable file")
        return value

    def resolved_model_dir(self, explicit: Path | None = None) -> Path:
        """--model, else CLAIMRISK_MODEL_DIR, else models_dir/current."""
        return explicit or self.model_dir or self.models_dir / "current"

    def all_api_keys(self) -> tuple[SecretStr, ...]:
        """Keys from CLAIMRISK_API_KEYS and CLAIMRISK_API_KEYS_FILE; admin keys also open /v1/."""
        keys = list(self.api_keys)
        if self.api_keys_file:
            keys += [
                line.strip() for line in self.api_keys_file.read_text(encoding="utf-8").splitlines() if line.strip()
            ]
        return tuple(SecretStr(k) for k in dict.fromkeys(keys + list(self.admin_keys)))

    @property
    def auth_enabled(self) -> bool:
        return bool(self.api_keys or self.api_keys_file or self.admin_keys)


@lru_cache
def get_settings() -> Settings:
    """The settings, built on first use (never at import time) and then shared."""
    return Settings()
