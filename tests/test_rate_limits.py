"""Rate limits per API key, counted in memory or in the real Redis: a key
over its limit gets 429 with RATE_LIMITED and Retry-After, before anything
runs; other keys and the admin token are counted apart."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from gateway.rate_limits import KEY_PREFIX, RateLimiter
from gateway.settings import Settings
from gateway.store import Store
from tests.support.api import Api, open_api
from tests.support.settings import ADMIN_TOKEN, make_settings
from tests.support.tenants import CREATE_LOCATION, Tenant, new_tenant, snapshot
from tests.support.workers import (
    REDIS_HOST,
    REDIS_PORT,
    REDIS_TEST_DB,
    PrivateRedis,
    broker_url,
    free_port,
)

LOCATION = "{ location { id } }"
CREATE = 'mutation { createContact(name: "Dev", phone: "+16175550111") { id } }'


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_TEST_DB)
    yield client
    client.close()


@pytest.fixture
def key_prefix(redis_client: redis.Redis) -> Iterator[str]:
    """A prefix of this test's own, so that its counts meet no other's."""
    prefix = f"test-rate-limit-{uuid.uuid4().hex}"
    yield prefix
    for key in redis_client.scan_iter(f"{prefix}*"):
        redis_client.delete(key)


@pytest.fixture
async def open_gateway(store: Store) -> AsyncIterator[Any]:
    opened: list[Api] = []

    async def open_gateway(settings: Settings, **app_options: Any) -> Api:
        api = await open_api(settings, store, **app_options)
        opened.append(api)
        return api

    yield open_gateway
    for api in opened:
        await api.close()


def _in_redis(rate: str, key_prefix: str, **options: Any) -> RateLimiter:
    return RateLimiter(rate, broker_url(), key_prefix=key_prefix, **options)


async def _use_up(api: Api, key: str, requests: int) -> None:
    for _ in range(requests):
        await api.call(key, LOCATION)


def _assert_limited(response: httpx.Response) -> int:
    """The Retry-After of a refusal, once sure it is one."""
    assert response.status_code == 429, response.text
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert error["extensions"]["retryAfter"] == retry_after
    return retry_after


async def test_a_key_over_its_limit_is_refused_with_429_in_memory(
    open_gateway: Any,
) -> None:
    api = await open_gateway(make_settings(rate_limit="3/minute"))
    tenant = await new_tenant(api)
    await _use_up(api, tenant.key, 3)
    before = await snapshot(api)

    refused = await api.post(tenant.key, CREATE)

    _assert_limited(refused)
    assert await snapshot(api) == before


async def test_other_keys_and_the_admin_are_counted_apart(open_gateway: Any) -> None:
    api = await open_gateway(make_settings(rate_limit="3/minute"))
    mine = await new_tenant(api, "Mine")
    theirs = await new_tenant(api, "Theirs")
    await _use_up(api, mine.key, 3)

    _assert_limited(await api.post(mine.key, LOCATION))

    assert (await api.call(theirs.key, LOCATION))["location"]["id"] == theirs.id
    assert await api.call(ADMIN_TOKEN, CREATE_LOCATION, name="Third")


async def test_a_rotated_key_starts_a_count_of_its_own(open_gateway: Any) -> None:
    api = await open_gateway(make_settings(rate_limit="2/minute"))
    tenant = await new_tenant(api)
    await api.call(tenant.key, LOCATION)

    new_key = (await api.call(tenant.key, "mutation { rotateApiKey }"))["rotateApiKey"]

    await _use_up(api, new_key, 2)
    _assert_limited(await api.post(new_key, LOCATION))


async def test_gateways_sharing_redis_share_the_count(
    open_gateway: Any, settings: Settings, key_prefix: str
) -> None:
    first = await open_gateway(settings, rate_limiter=_in_redis("3/minute", key_prefix))
    second = await open_gateway(
        settings, rate_limiter=_in_redis("3/minute", key_prefix)
    )
    tenant = await new_tenant(first)
    other = await new_tenant(first, "Other")
    await _use_up(first, tenant.key, 2)
    await _use_up(second, tenant.key, 1)

    _assert_limited(await second.post(tenant.key, LOCATION))
    _assert_limited(await first.post(tenant.key, LOCATION))

    assert (await second.call(other.key, LOCATION))["location"]["id"] == other.id


async def test_redis_holds_a_hash_of_the_key_never_the_key(
    open_gateway: Any,
    settings: Settings,
    key_prefix: str,
    redis_client: redis.Redis,
) -> None:
    api = await open_gateway(settings, rate_limiter=_in_redis("5/minute", key_prefix))
    tenant = await new_tenant(api)

    await _use_up(api, tenant.key, 2)

    keys = [key.decode() for key in redis_client.scan_iter(f"{key_prefix}*")]
    assert keys
    secret = tenant.key.removeprefix("obg_")
    assert not any(secret in key for key in keys)


async def test_the_broker_url_is_where_counts_go_by_default(
    redis_client: redis.Redis,
) -> None:
    limiter = RateLimiter.from_settings(make_settings(celery_broker_url=broker_url()))
    bucket = f"key:test-{uuid.uuid4().hex}"

    await limiter.check(bucket)

    keys = [key.decode() for key in redis_client.scan_iter(f"{KEY_PREFIX}*")]
    assert any(bucket in key for key in keys)
    for key in keys:
        if bucket in key:
            redis_client.delete(key)


async def test_an_unreachable_redis_lets_requests_through_and_logs_once(
    open_gateway: Any, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    nowhere = f"redis://{REDIS_HOST}:{free_port()}/0"
    limiter = RateLimiter("1/minute", nowhere, retry_storage_after=0)
    api = await open_gateway(settings, rate_limiter=limiter)
    tenant = await new_tenant(api)

    with caplog.at_level(logging.WARNING, logger="gateway.rate_limits"):
        await _use_up(api, tenant.key, 3)

    warnings = [r for r in caplog.records if r.name == "gateway.rate_limits"]
    assert len(warnings) == 1
    assert "not counted" in warnings[0].getMessage()


async def test_counting_resumes_when_redis_comes_back(
    open_gateway: Any,
    settings: Settings,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    private = PrivateRedis(tmp_path)
    private.start()
    limiter = RateLimiter("2/minute", private.url, retry_storage_after=0.1)
    api = await open_gateway(settings, rate_limiter=limiter)
    tenant = await new_tenant(api)
    try:
        await _use_up(api, tenant.key, 1)
        private.stop()
        await _use_up(api, tenant.key, 3)

        private.start()
        await asyncio.sleep(0.2)
        with caplog.at_level(logging.INFO, logger="gateway.rate_limits"):
            await _use_up(api, tenant.key, 2)
            refused = await api.post(tenant.key, LOCATION)
    finally:
        private.stop()

    # The restarted Redis starts from nothing: two counted, then one too many.
    _assert_limited(refused)
    assert any("counted again" in r.getMessage() for r in caplog.records)


async def test_a_tenant_over_its_limit_learns_nothing_of_another(
    open_gateway: Any,
) -> None:
    api = await open_gateway(make_settings(rate_limit="2/minute"))
    mine: Tenant = await new_tenant(api, "Mine")
    theirs = await new_tenant(api, "Theirs")
    await _use_up(api, mine.key, 2)

    refused = await api.post(mine.key, LOCATION)

    _assert_limited(refused)
    assert theirs.id not in refused.text
    assert mine.id not in refused.text
