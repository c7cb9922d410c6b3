from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import pytest

from gateway.runtime import Runtime, build_runtime
from gateway.settings import Settings
from gateway.store import Store, connect
from tests.support.api import Api, open_api
from tests.support.mongo_wire import MongoWireServer
from tests.support.settings import make_settings
from tests.support.stores import close_test_store, open_test_store, real_server_uri
from tests.support.workers import free_port

# A MongoDB that nobody answers is given up on after this long, so that a
# check of it fails well before the check's own timeout.
QUICK_SELECTION_TIMEOUT_MS = 200


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


@pytest.fixture
async def unreachable_store() -> AsyncIterator[Store]:
    """A store on a port where no MongoDB listens."""
    uri = f"mongodb://127.0.0.1:{free_port()}/?directConnection=true"
    store = connect(uri, "unreachable", selection_timeout_ms=QUICK_SELECTION_TIMEOUT_MS)
    yield store
    store.close()


@pytest.fixture(scope="session")
def wire() -> Iterator[MongoWireServer | None]:
    """The wire stand-in, unless the tests run against a real server."""
    if real_server_uri() is not None:
        yield None
        return
    with MongoWireServer() as server:
        yield server


@pytest.fixture(scope="session")
def mongo_uri(wire: MongoWireServer | None) -> str:
    """A database other processes (workers, the CLI) can reach too."""
    uri = real_server_uri() if wire is None else wire.uri
    assert uri is not None
    return uri


@pytest.fixture
async def shared_store(mongo_uri: str) -> AsyncIterator[Store]:
    """A store of the test's own on the database behind `mongo_uri`."""
    store = connect(mongo_uri, f"shared_{time.monotonic_ns()}")
    await store.prepare()
    yield store
    await store.database.client.drop_database(store.database.name)
    store.close()
