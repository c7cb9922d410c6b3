"""Every setting the gateway and the worker read, validated once at start-up.

Settings come from the environment (or a `.env` file). With none at all the
gateway runs on its embedded default: an in-memory database seeded with demo
data, and recomputes run inside the gateway's own event loop.
"""

from __future__ import annotations

import enum
import functools

import phonenumbers
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# An admin token shorter than this can be guessed or brute-forced.
MIN_ADMIN_TOKEN_LENGTH = 24


class Environment(enum.StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class LogFormat(enum.StrEnum):
    TEXT = "text"
    JSON = "json"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", case_sensitive=False
    )

    gateway_env: Environment = Environment.DEVELOPMENT

    # Where the data lives. Unset: the embedded in-memory stand-in.
    mongodb_uri: SecretStr | None = None
    mongodb_database: str = "outbound_gateway"

    # Where recompute work goes. Unset: it runs in the gateway's own loop.
    celery_broker_url: SecretStr | None = None
    # Seconds before Redis hands an unacknowledged recompute chunk to another
    # worker. It must be longer than any chunk can take (a chunk of 1,000
    # contacts takes well under a second), or chunks run twice for nothing.
    celery_visibility_timeout: int = Field(default=3600, ge=1)

    gateway_admin_token: SecretStr | None = None
    default_region: str = "US"

    # The largest `first` a page may ask for.
    max_page_size: int = Field(default=100, ge=1, le=1000)

    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.TEXT

    # Where a worker serves its metrics. Unset: it serves none.
    worker_metrics_port: int | None = Field(default=None, ge=1, le=65535)

    # Contacts read and written per recompute chunk: memory per chunk is a
    # few hundred bytes per contact, and one chunk is one read and a handful
    # of writes, so 1,000 keeps both small.
    recompute_chunk_size: int = Field(default=1000, ge=1, le=50_000)
    # How often pending recompute jobs are handed (again) to the broker.
    sweep_interval_seconds: float = Field(default=30.0, gt=0)
    # A job that has shown no progress for this long is dispatched again.
    job_stall_seconds: float = Field(default=300.0, gt=0)

    @field_validator("default_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        region = value.upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{value!r} is not a region phonenumbers knows")
        return region

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"{value!r} is not a logging level")
        return level

    @model_validator(mode="after")
    def _safe_in_production(self) -> Settings:
        if self.gateway_env is not Environment.PRODUCTION:
            return self

        if self.mongodb_uri is None:
            raise ValueError("MONGODB_URI must be set in production")
        token = self.gateway_admin_token
        if token is None or len(token.get_secret_value()) < MIN_ADMIN_TOKEN_LENGTH:
            raise ValueError(
                "GATEWAY_ADMIN_TOKEN must be set in production, "
                f"at least {MIN_ADMIN_TOKEN_LENGTH} characters long"
            )
        return self

    @property
    def is_embedded(self) -> bool:
        return self.mongodb_uri is None

    @property
    def is_production(self) -> bool:
        return self.gateway_env is Environment.PRODUCTION


@functools.cache
def get_settings() -> Settings:
    return Settings()
