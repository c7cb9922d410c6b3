"""Counting the round trips the store makes to MongoDB, two ways.

`CountingDatabase` wraps the Motor database handed to `Store` and counts
every call that reaches the server, at the store boundary: each method of a
collection counts once when called, and a cursor counts once when its
results are first read (the in-memory stand-in has no batches; the wire
count below sees them). `CommandCounter` listens to the real driver and
counts the commands it sends to one server, `getMore` batches included.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pymongo import monitoring

# Cursor methods that only shape the query; nothing reaches the server.
_CURSOR_OPTIONS = frozenset({"sort", "limit", "skip", "batch_size", "max_time_ms"})

# Commands the driver sends on its own, not on behalf of a store call.
_HOUSEKEEPING = frozenset({"hello", "ismaster", "ping", "endSessions", "buildInfo"})


class RoundTrips:
    """A tally of calls by (collection, operation)."""

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def add(self, collection: str, operation: str) -> None:
        self.calls[(collection, operation)] += 1

    def reset(self) -> None:
        self.calls.clear()


class CountingDatabase:
    """A Motor database that counts what its collections send."""

    def __init__(self, database: Any, tally: RoundTrips) -> None:
        self._database = database
        self._tally = tally

    def __getitem__(self, name: str) -> CountingCollection:
        return CountingCollection(self._database[name], name, self._tally)

    async def command(self, *args: Any, **kwargs: Any) -> Any:
        self._tally.add("$cmd", "command")
        return await self._database.command(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        # The client, the name, listing collections: not counted.
        return getattr(self._database, name)


class CountingCollection:
    def __init__(self, collection: Any, name: str, tally: RoundTrips) -> None:
        self._collection = collection
        self._name = name
        self._tally = tally

    def find(self, *args: Any, **kwargs: Any) -> CountingCursor:
        cursor = self._collection.find(*args, **kwargs)
        return CountingCursor(cursor, self._name, self._tally)

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._collection, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            self._tally.add(self._name, name)
            return method(*args, **kwargs)

        return counted


class CountingCursor:
    def __init__(self, cursor: Any, collection: str, tally: RoundTrips) -> None:
        self._cursor = cursor
        self._collection = collection
        self._tally = tally
        self._read = False

    def __getattr__(self, name: str) -> Any:
        if name not in _CURSOR_OPTIONS:
            raise AttributeError(f"the counting cursor does not know {name!r}")
        option = getattr(self._cursor, name)

        def chained(*args: Any, **kwargs: Any) -> CountingCursor:
            option(*args, **kwargs)
            return self

        return chained

    async def to_list(self, length: int | None = None) -> list[Any]:
        self._first_read()
        return list(await self._cursor.to_list(length))

    def __aiter__(self) -> CountingCursor:
        return self

    async def __anext__(self) -> Any:
        self._first_read()
        return await self._cursor.__anext__()

    def _first_read(self) -> None:
        if not self._read:
            self._read = True
            self._tally.add(self._collection, "find")


class CommandCounter(monitoring.CommandListener):
    """Counts the commands the driver sends to the server on `port`, by
    command and collection (`"find contacts"`, `"getMore contacts"`).

    Register it (`pymongo.monitoring.register`) before the client is made;
    the driver offers no way to unregister, so it listens to one port only
    and stays harmless once its server is gone.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.commands: Counter[str] = Counter()

    @property
    def total(self) -> int:
        return sum(self.commands.values())

    def reset(self) -> None:
        self.commands.clear()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.connection_id[1] != self.port:
            return
        name = event.command_name
        if name in _HOUSEKEEPING:
            return
        target = event.command.get("collection" if name == "getMore" else name)
        self.commands[f"{name} {target}"] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None
