"""Counting what reaches the database: a thin wrapper around the Motor
database a Store is built on, which counts every collection call."""

from __future__ import annotations

from collections import Counter
from typing import Any

# Collection methods that change documents.
WRITES = frozenset(
    {
        "insert_one",
        "insert_many",
        "update_one",
        "update_many",
        "replace_one",
        "find_one_and_update",
        "find_one_and_replace",
        "find_one_and_delete",
        "delete_one",
        "delete_many",
        "bulk_write",
        "create_index",
        "create_indexes",
        "drop",
    }
)


class CountingDatabase:
    def __init__(self, database: Any) -> None:
        self._database = database
        self.calls: Counter[tuple[str, str]] = Counter()

    def __getitem__(self, name: str) -> CountingCollection:
        return CountingCollection(self._database[name], name, self.calls)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._database, name)

    def writes(self) -> int:
        return sum(n for (_, method), n in self.calls.items() if method in WRITES)

    def reads(self) -> int:
        return sum(n for (_, method), n in self.calls.items() if method not in WRITES)


class CountingCollection:
    def __init__(
        self, collection: Any, name: str, calls: Counter[tuple[str, str]]
    ) -> None:
        self._collection = collection
        self._name = name
        self._calls = calls

    def __getattr__(self, method: str) -> Any:
        target = getattr(self._collection, method)
        if not callable(target):
            return target

        def counted(*args: Any, **kwargs: Any) -> Any:
            self._calls[(self._name, method)] += 1
            return target(*args, **kwargs)

        return counted
