"""One event loop and one store per worker process, for its whole life.

Celery calls tasks synchronously; the store is asyncio. Each worker process
(after the fork, never before: a Motor client must not cross a fork) opens
one loop and one store the first time a task needs them, and runs every
task's coroutine on that loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from gateway.settings import Settings
from gateway.store import Store, connect

T = TypeVar("T")

_loop: asyncio.AbstractEventLoop | None = None
_store: Store | None = None
_settings: Settings | None = None


def configure(settings: Settings) -> None:
    """Remember the settings; the store is opened lazily, in the child."""
    global _settings
    if settings.mongodb_uri is None:
        raise ValueError("MONGODB_URI must be set for a worker: it shares the database")
    _settings = settings


def settings() -> Settings:
    if _settings is None:
        configure(Settings())
    assert _settings is not None
    return _settings


def run(work: Callable[[Store], Awaitable[T]]) -> T:
    """Run `work` on this process's loop, with this process's store."""
    global _loop, _store
    if _loop is None:
        _loop = asyncio.new_event_loop()
        asyncio.set_event_loop(_loop)
    if _store is None:
        current = settings()
        assert current.mongodb_uri is not None
        _store = connect(
            current.mongodb_uri.get_secret_value(), current.mongodb_database
        )
    store = _store
    return _loop.run_until_complete(work(store))


def reset_after_fork() -> None:
    """Forget the parent's loop and store in a freshly forked child."""
    global _loop, _store
    _loop = None
    _store = None
