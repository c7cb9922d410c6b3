from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gateway.runtime import Runtime, build_runtime
from gateway.settings import Settings
from gateway.store import Store
from tests.support.api import Api, open_api
from tests.support.settings import make_settings
from tests.support.stores import close_test_store, open_test_store


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    store = open_test_store()
    await store.prepare()
    yield store
    await close_test_store(store)


@pytest.fixture
async def runtime(settings: Settings, store: Store) -> Runtime:
    return build_runtime(settings, store)


@pytest.fixture
async def api(settings: Settings, store: Store) -> AsyncIterator[Api]:
    api = await open_api(settings, store)
    yield api
    await api.drain()
    await api.close()
