"""Every setting the gateway and the worker read, validated once at start-up.

Settings come from the environment (or a `.env` file). With none at all the
gateway runs on its embedded default: an in-memory database seeded with demo
data, and recomputes run inside the gateway's own event loop.
"""

from __future__ import annotations

import enum

import limits
import phonenumbers
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# An admin token shorter than this can be guessed or brute-forced.
MIN_ADMIN_TOKEN_LENGTH = 24

# Where rate limits can be counted: Redis, or this process's memory.
RATE_LIMIT_STORAGE_SCHEMES = ("redis", "rediss", "redis+unix", "memory")


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

    # What one request may ask for (README, "Security"). A body above this
    # is refused before it is read to the end: 64 KiB holds a
    # reassignContacts of its 1,000 ids (about 27 KB) with room to spare.
    max_request_bytes: int = Field(default=65_536, ge=1024, le=10_485_760)
    # GraphiQL's own introspection query, the largest document a client
    # normally sends, is about 200 tokens. The slowest document to validate
    # we could build within 1,000 tokens took about 40 ms (2,000 tokens of
    # repeated fields took 0.6 s before the alias limit counted repeats).
    max_query_tokens: int = Field(default=1000, ge=100, le=10_000)
    # A contact, its user, that user's contacts and their selection is 9
    # levels deep (contacts.edges.node.assignedUser.contacts.edges.node.
    # outboundSelection.number); nothing useful goes deeper.
    max_query_depth: int = Field(default=10, ge=2, le=50)
    # Enough to fetch a screenful of contacts by id in one request.
    max_query_aliases: int = Field(default=20, ge=0, le=1000)
    # About how many values an answer may hold (`resolvers/query_cost.py`).
    # A full page of 100 contacts with their selections and users costs
    # about 1,300; pages nested inside pages multiply, and go over.
    max_query_cost: int = Field(default=10_000, ge=100)

    # Unset: on, except in production. GraphiQL needs introspection to help.
    graphql_introspection: bool | None = None
    graphiql: bool | None = None

    # Requests per API key (and for the admin token), in the `limits`
    # notation: a CRM paging through contacts, 100 at a time, while its
    # users work, stays well under 10 a second.
    rate_limit: str = "600/minute"
    # Where requests are counted, so that every gateway sees the same
    # counts. Unset: the broker's Redis when there is one, else memory.
    rate_limit_storage_url: SecretStr | None = None

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

    @field_validator("rate_limit")
    @classmethod
    def _known_rate(cls, value: str) -> str:
        try:
            rates = limits.parse_many(value)
        except ValueError:
            rates = []
        if len(rates) != 1 or rates[0].amount < 1:
            raise ValueError(f"{value!r} is not one rate such as '600/minute'")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"{value!r} is not a logging level")
        return level

    @model_validator(mode="after")
    def _rate_limits_countable(self) -> Settings:
        scheme = self.rate_limit_storage.partition("://")[0]
        if scheme not in RATE_LIMIT_STORAGE_SCHEMES:
            raise ValueError(
                "RATE_LIMIT_STORAGE_URL must be a Redis URL (or memory://), and must"
                " be set when CELERY_BROKER_URL is not Redis"
            )
        return self

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

    @property
    def introspection_enabled(self) -> bool:
        if self.graphql_introspection is None:
            return not self.is_production
        return self.graphql_introspection

    @property
    def graphiql_enabled(self) -> bool:
        return not self.is_production if self.graphiql is None else self.graphiql

    @property
    def rate_limit_storage(self) -> str:
        """The URL rate limits are counted at; `memory://` for this process."""
        url = self.rate_limit_storage_url or self.celery_broker_url
        return "memory://" if url is None else url.get_secret_value()
