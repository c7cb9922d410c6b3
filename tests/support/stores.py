"""The database a test runs on.

Without MONGODB_URI: a fresh in-memory mongomock database per test. With
it: a database of its own on that server per test, dropped afterwards, so
the same tests run against a real MongoDB.
"""

from __future__ import annotations

import os
import uuid

from gateway.store import Store, connect, embedded_store


def real_server_uri() -> str | None:
    return os.environ.get("MONGODB_URI") or None


def open_test_store() -> Store:
    uri = real_server_uri()
    if uri is None:
        return embedded_store()
    return connect(uri, f"test_{uuid.uuid4().hex[:12]}")


async def close_test_store(store: Store) -> None:
    if real_server_uri() is not None:
        await store.database.client.drop_database(store.database.name)
    store.close()
