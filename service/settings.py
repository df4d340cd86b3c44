"""All runtime settings, read once from the environment (prefix CLAIMRISK_) with pydantic-settings."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from model.errors import ClaimRiskError

REPO_ROOT = Path(__file__).resolve().parents[1]
ENV_PREFIX = "CLAIMRISK_"
CommaList = Annotated[list[str], NoDecode]
SECRET_FIELDS = frozenset({"api_keys", "admin_keys"})
_ORIGIN = re.compile(r"^https?://[^/\s?#]+$")
_KEY = re.compile(r"^[\x21-\x7e]+$")  # what an Authorization header can carry: printable ASCII, no spaces


class SettingsError(ClaimRiskError):
    """A setting has a bad value; raised before anything starts, so the command prints one line and exits 2."""


class Settings(BaseSettings):
    """Every knob of the CLI and the service; a bad value stops start-up with a message naming it."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", env_ignore_empty=True)

    models_dir: Path = Field(REPO_ROOT / "models", description="where `train` writes versions and `current` lives")
    model_dir: Path | None = Field(None, description="serve this artifact instead of models_dir/current")
    data_dir: Path = Field(REPO_ROOT / "var", description="service state: the feedback database")
    api_keys: CommaList = Field(default_factory=list, repr=False, description="bearer keys for /v1/, comma-separated")
    api_keys_file: Path | None = Field(None, description="file of bearer keys, one a line")
    admin_keys: CommaList = Field(default_factory=list, repr=False, description="bearer keys for /v1/admin/")
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

    @field_validator("api_keys", "admin_keys")
    @classmethod
    def _sendable(cls, keys: list[str]) -> list[str]:
        return _sendable_keys(keys)

    @field_validator("api_keys_file")
    @classmethod
    def _has_keys(cls, value: Path | None) -> Path | None:
        if value is not None:
            keys = read_key_file(value)
            if not keys:
                raise ValueError(f"{value} holds no keys: that would leave /v1/ open while looking closed")
            _sendable_keys(keys)
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, origins: list[str]) -> list[str]:
        bad = [o for o in origins if o != "*" and not _ORIGIN.match(o)]
        if bad:
            raise ValueError(f"{bad} are not origins like https://cms.example.com (scheme and host, no path)")
        return origins

    def resolved_model_dir(self, explicit: Path | None = None) -> Path:
        """--model, else CLAIMRISK_MODEL_DIR, else models_dir/current."""
        return explicit or self.model_dir or self.models_dir / "current"

    def all_api_keys(self) -> tuple[SecretStr, ...]:
        """Keys from CLAIMRISK_API_KEYS and CLAIMRISK_API_KEYS_FILE; admin keys also open /v1/."""
        keys = list(self.api_keys) + (read_key_file(self.api_keys_file) if self.api_keys_file else [])
        return tuple(SecretStr(k) for k in dict.fromkeys(keys + list(self.admin_keys)))

    @property
    def auth_enabled(self) -> bool:
        return bool(self.api_keys or self.api_keys_file or self.admin_keys)


def read_key_file(path: Path) -> list[str]:
    """The keys of a key file: one a line, blank lines and `#` comments skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not a readable UTF-8 file ({exc})") from None
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _sendable_keys(keys: list[str]) -> list[str]:
    if not all(_KEY.match(key) for key in keys):
        raise ValueError("a key has characters other than printable ASCII (or a space); it could never be sent")
    return keys


def describe_settings_error(exc: ValidationError) -> str:
    """One line naming each bad variable, its value (never for keys) and what is wrong with it."""
    parts = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error.get("loc") else "?"
        shown = "" if name in SECRET_FIELDS or "input" not in error else f"={error['input']!r}"
        parts.append(f"{ENV_PREFIX}{name.upper()}{shown}: {error['msg'].removeprefix('Value error, ')}")
    return "bad setting " + "; ".join(parts)


@lru_cache
def get_settings() -> Settings:
    """The settings, built on first use (never at import time) and then shared; SettingsError if one is bad."""
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError(describe_settings_error(exc)) from None
