"""Requests counted per API key; one over RATE_LIMIT is refused.

The counting is the `limits` library's sliding-window counter: two numbers
per key (this window's count and the last one's, weighted by how much of
the last window still overlaps), so a client cannot double its rate at a
window's edge, and memory stays small however many keys are busy. The
counts live in Redis, shared by every gateway process, or, in the embedded
default, in this process's memory.

When Redis cannot be reached, requests go through uncounted (fail open):
the limit protects capacity, and refusing every request while Redis is down
would turn a Redis outage into a full outage. The outage is logged once
when it starts and once when it ends, and Redis is tried again only every
few seconds, so that a dead Redis adds no wait to each request.
"""

from __future__ import annotations

import logging
import math
import time

import limits
from limits.aio.storage import Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from gateway.auth import Admin, Principal, bearer_credential
from gateway.errors import RateLimited
from gateway.keys import hash_api_key
from gateway.settings import Settings

logger = logging.getLogger(__name__)

# Prefixes every key the limits write to Redis, apart from Celery's own.
KEY_PREFIX = "obg-rate-limit"
# How long a request waits for Redis before it is let through uncounted: a
# healthy Redis answers in about a millisecond. One retry, at once, replaces
# a pooled connection that a restarted Redis closed; so a request waits at
# most twice this.
STORAGE_TIMEOUT_SECONDS = 0.5
STORAGE_RETRIES = 1
# After Redis failed, requests go uncounted this long before it is retried.
STORAGE_RETRY_SECONDS = 5.0


class RateLimiter:
    def __init__(
        self,
        rate: str,
        storage_url: str,
        *,
        key_prefix: str = KEY_PREFIX,
        retry_storage_after: float = STORAGE_RETRY_SECONDS,
    ) -> None:
        self._rate_text = rate
        self._rate = limits.parse(rate)
        self._limiter = SlidingWindowCounterRateLimiter(
            _storage(storage_url, key_prefix)
        )
        self._retry_storage_after = retry_storage_after
        self._uncounted_until: float | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter:
        return cls(settings.rate_limit, settings.rate_limit_storage)

    async def check(self, bucket: str) -> None:
        """Count one request for `bucket`; RateLimited if it is one too many."""
        if self._storage_is_resting():
            return

        try:
            allowed = await self._limiter.hit(self._rate, bucket)
            reset_at = None
            if not allowed:
                stats = await self._limiter.get_window_stats(self._rate, bucket)
                reset_at = stats.reset_time
        except StorageError as error:
            self._storage_failed(error)
            return

        self._storage_answered()
        if reset_at is not None:
            retry_after = _whole_seconds_until(reset_at)
            raise RateLimited(
                f"Too many requests for this key (at most {self._rate_text});"
                f" retry after {retry_after} seconds.",
                retry_after=retry_after,
            )

    def _storage_is_resting(self) -> bool:
        return (
            self._uncounted_until is not None
            and time.monotonic() < self._uncounted_until
        )

    def _storage_failed(self, error: StorageError) -> None:
        if self._uncounted_until is None:
            logger.warning(
                "Rate limits are not counted: their storage is unreachable (%s).",
                error.storage_error,
            )
        self._uncounted_until = time.monotonic() + self._retry_storage_after

    def _storage_answered(self) -> None:
        if self._uncounted_until is not None:
            logger.info("Rate limits are counted again: their storage answers.")
        self._uncounted_until = None


def _storage(url: str, key_prefix: str) -> Storage:
    if url.startswith("memory://"):
        storage = storage_from_string("async+memory://")
    else:
        storage = storage_from_string(
            f"async+{url}",
            implementation="redispy",
            key_prefix=key_prefix,
            wrap_exceptions=True,
            socket_timeout=STORAGE_TIMEOUT_SECONDS,
            socket_connect_timeout=STORAGE_TIMEOUT_SECONDS,
            # limits types its storage options as plain values; redis-py,
            # which receives this one, takes a Retry object.
            retry=Retry(NoBackoff(), STORAGE_RETRIES),  # type: ignore[arg-type]
        )
    assert isinstance(storage, Storage)
    return storage


def _whole_seconds_until(moment: float) -> int:
    # Retry-After takes whole seconds; rounding down would invite a retry
    # that is refused again.
    return max(1, math.ceil(moment - time.time()))


def rate_limit_bucket(principal: Principal, authorization: str | None) -> str:
    """Whose allowance a request uses: its key's (by hash), or the admin's."""
    if isinstance(principal, Admin):
        return "admin"
    return "key:" + hash_api_key(bearer_credential(authorization))
