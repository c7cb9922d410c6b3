"""Settings for tests, independent of the environment the tests run in."""

from __future__ import annotations

from typing import Any

from gateway.settings import Settings

ADMIN_TOKEN = "test-admin-token-0123456789abcdef"


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "gateway_env": "development",
        "mongodb_uri": None,
        "celery_broker_url": None,
        "gateway_admin_token": ADMIN_TOKEN,
        "default_region": "US",
        "recompute_chunk_size": 1000,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)
