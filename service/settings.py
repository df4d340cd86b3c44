"""All runtime settings, read once from the environment (prefix CLAIMRISK_) with pydantic-settings."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    """Every knob of the CLI and the service; a bad value stops start-up with pydantic's message."""

    model_config = SettingsConfigDict(env_prefix="CLAIMRISK_", extra="ignore")

    models_dir: Path = Field(REPO_ROOT / "models", description="where `train` writes versions and `current` lives")
    model_dir: Path | None = Field(None, description="serve this artifact instead of models_dir/current")
    data_dir: Path = Field(REPO_ROOT / "var", description="service state: the feedback database")

    def resolved_model_dir(self, explicit: Path | None = None) -> Path:
        """--model, else CLAIMRISK_MODEL_DIR, else models_dir/current."""
        return explicit or self.model_dir or self.models_dir / "current"

    @field_validator("models_dir", "data_dir")
    @classmethod
    def _not_empty(cls, value: Path) -> Path:
        if not str(value).strip():
            raise ValueError("must not be empty")
        return value


@lru_cache
def get_settings() -> Settings:
    """The settings, built on first use (never at import time) and then shared."""
    return Settings()
