"""Every MongoDB read and write, through Motor.

No other package imports Motor or names a collection: moving to another
driver is a change to this package alone.

A read that wants every document it matches asks for them in one batch
(`batch_size`): a server sends only 101 in a cursor's first batch unless
asked for more, and each further batch is another round trip.
"""

from __future__ import annotations

import logging
from typing import Any

from gateway.store.contacts import (
    ContactFilter,
    ContactStore,
    DuplicatePhone,
    InputGroup,
    SelectionWrite,
)
from gateway.store.indexes import ensure_indexes
from gateway.store.jobs import JobStore
from gateway.store.locations import LocationStore
from gateway.store.users import UserStore

__all__ = [
    "ContactFilter",
    "DuplicatePhone",
    "InputGroup",
    "SelectionWrite",
    "Store",
    "connect",
    "embedded_store",
]

logger = logging.getLogger(__name__)

# How long a request waits for a MongoDB server it cannot reach before the
# readiness check (or the request) fails, rather than hanging.
SERVER_SELECTION_TIMEOUT_MS = 5000


class Store:
    """The collections of one database, each behind its own small class."""

    def __init__(self, database: Any) -> None:
        self.database = database
        self.locations = LocationStore(database["locations"])
        self.users = UserStore(database["users"])
        self.contacts = ContactStore(database["contacts"])
        self.jobs = JobStore(database["recompute_jobs"])

    async def prepare(self) -> None:
        """Create the indexes every query relies on; safe to repeat."""
        await ensure_indexes(self.database)

    async def ping(self) -> None:
        await self.database.command("ping")

    def close(self) -> None:
        self.database.client.close()


def connect(
    uri: str,
    database_name: str,
    *,
    selection_timeout_ms: int = SERVER_SELECTION_TIMEOUT_MS,
) -> Store:
    """A store on a real MongoDB server (or anything that speaks its protocol)."""
    from motor.motor_asyncio import AsyncIOMotorClient

    client: Any = AsyncIOMotorClient(
        uri, tz_aware=True, serverSelectionTimeoutMS=selection_timeout_ms
    )
    logger.info("Connected to MongoDB database %s.", database_name)
    return Store(client[database_name])


def embedded_store(database_name: str = "outbound_gateway") -> Store:
    """A store in this process's memory, gone when the process ends."""
    from mongomock_motor import AsyncMongoMockClient

    client: Any = AsyncMongoMockClient(tz_aware=True)
    return Store(client[database_name])
