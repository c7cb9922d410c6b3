"""Let mongomock find documents by `_id` without scanning its collection.

mongomock has no indexes: every query tests every document of the
collection, so a chunk of a thousand contacts read from a collection of a
hundred thousand costs a hundred thousand tests, where a real server walks
its `_id` index. To measure the gateway rather than that scan, the
benchmark's database narrows a query that names its documents by `_id`
(equal to, `$in`, a range, or an `$or` whose every branch does) to those
documents first, then filters them exactly as mongomock always does. The
answers are the same; only the scan is gone. Queries that do not name
`_id` still scan, as they would without an index.

Installed in the benchmark's own database process only, never in the tests.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from typing import Any

from mongomock.collection import Collection
from mongomock.filtering import filter_applies

_RANGE = frozenset({"$gt", "$gte", "$lt", "$lte"})

_scan_everything = Collection._iter_documents


def install() -> None:
    Collection._iter_documents = _iter_named_documents  # type: ignore[method-assign]


def _iter_named_documents(self: Collection, spec: Any) -> Iterator[Any]:
    ids = _named_ids(self, spec)
    if ids is None:
        return _scan_everything(self, spec)  # type: ignore[no-any-return]
    store = self._store  # type: ignore[attr-defined]
    candidates = [store[key] for key in ids if key in store]
    return (doc for doc in candidates if filter_applies(spec, doc))


def _named_ids(collection: Collection, spec: Any) -> list[Any] | None:
    """The `_id`s a query is limited to, or None when it is not."""
    if not isinstance(spec, Mapping):
        return None
    if "_id" in spec:
        return _ids_for(collection, spec["_id"])

    branches = spec.get("$or")
    if not branches:
        return None
    found: dict[Any, None] = {}
    for branch in branches:
        ids = _named_ids(collection, branch)
        if ids is None:
            return None
        found.update(dict.fromkeys(ids))
    return list(found)


def _ids_for(collection: Collection, condition: Any) -> list[Any] | None:
    if not isinstance(condition, Mapping):
        return None if isinstance(condition, list) else [condition]
    if set(condition) == {"$in"}:
        return list(condition["$in"])
    if condition and set(condition) <= _RANGE:
        return _ids_in_range(collection, condition)
    return None


def _ids_in_range(collection: Collection, bounds: Mapping[str, Any]) -> list[Any]:
    ids = _sorted_ids(collection)
    start, end = 0, len(ids)
    if "$gte" in bounds:
        start = bisect.bisect_left(ids, bounds["$gte"])
    if "$gt" in bounds:
        start = max(start, bisect.bisect_right(ids, bounds["$gt"]))
    if "$lte" in bounds:
        end = bisect.bisect_right(ids, bounds["$lte"])
    if "$lt" in bounds:
        end = min(end, bisect.bisect_left(ids, bounds["$lt"]))
    return ids[start:end]


# Sorted `_id`s per collection, rebuilt when documents come or go; the
# benchmark's collections of contacts only grow while it seeds them.
_sorted: dict[int, tuple[tuple[int, Any], list[Any]]] = {}


def _sorted_ids(collection: Collection) -> list[Any]:
    documents = collection._store._documents  # type: ignore[attr-defined]
    shape = (len(documents), next(reversed(documents), None))
    cached = _sorted.get(id(collection._store))  # type: ignore[attr-defined]
    if cached is None or cached[0] != shape:
        cached = (shape, sorted(documents))
        _sorted[id(collection._store)] = cached  # type: ignore[attr-defined]
    return cached[1]
