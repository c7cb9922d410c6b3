"""Two costs of mongomock that a real server does not have, taken away in
the benchmark's database so that it measures the gateway, not them. The
answers stay the same; only the time changes.

- No indexes: every query tests every document of the collection against
  the whole filter, so a chunk of a thousand contacts read from a
  collection of a hundred thousand costs a hundred thousand tests, and an
  `$in` of a thousand ids is searched a list at a time. Here a query that
  names its documents by `_id` (equal to, `$in`, a range, or an `$or` whose
  every branch does) is narrowed to those documents first, and each is
  tested against the rest of the filter with mongomock's own matcher.
  Queries that do not name `_id` still scan, as they would without an
  index.
- A cursor copies its whole result list for every document it hands out,
  so reading n documents costs n² (about 17 s for the ids of 100,000
  contacts). Here it hands them out from one copy.

Installed in the benchmark's own database process only, never in the tests.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from typing import Any

from mongomock.collection import Collection, Cursor
from mongomock.filtering import filter_applies

_RANGE = frozenset({"$gt", "$gte", "$lt", "$lte"})

_scan_everything = Collection._iter_documents

# For each `_id` a query names, what else a document with that id must match.
Named = dict[Any, list[dict[str, Any]]]


def install() -> None:
    Collection._iter_documents = _iter_named_documents  # type: ignore[method-assign]
    Cursor.__next__ = Cursor.next = _next_from_one_copy  # type: ignore[method-assign]


def _next_from_one_copy(self: Any) -> Any:
    # A cursor's query cannot change once it has handed out a document.
    if self._emitted == 0 or "_one_copy" not in self.__dict__:
        self._one_copy = self._compute_results(with_limit_and_skip=True)
    try:
        document = self._one_copy[self._emitted]
    except IndexError:
        raise StopIteration from None
    self._emitted += 1
    return document


def _iter_named_documents(self: Any, spec: Any) -> Iterator[Any]:
    named = _named(self, spec)
    if named is None:
        return _scan_everything(self, spec)  # type: ignore[no-any-return]

    store = self._store
    found = [store[key] for key, rests in named.items() if key in store]
    return (doc for doc in found if _matches_any(named[doc["_id"]], doc))


def _matches_any(rests: list[dict[str, Any]], doc: Any) -> bool:
    return any(filter_applies(rest, doc) for rest in rests)


def _named(collection: Collection, spec: Any) -> Named | None:
    """The documents a query names by `_id`, or None when it names none."""
    if not isinstance(spec, Mapping):
        return None

    if "_id" in spec:
        ids = _ids_for(collection, spec["_id"])
        if ids is None:
            return None
        rest = {key: value for key, value in spec.items() if key != "_id"}
        return {key: [rest] for key in ids}

    branches = spec.get("$or")
    if not branches:
        return None
    rest = {key: value for key, value in spec.items() if key != "$or"}
    named: Named = {}
    for branch in branches:
        by_branch = _named(collection, branch)
        if by_branch is None:
            return None
        for key, branch_rests in by_branch.items():
            named.setdefault(key, []).extend(
                {"$and": [rest, branch_rest]} for branch_rest in branch_rests
            )
    return named


def _ids_for(collection: Collection, condition: Any) -> list[Any] | None:
    if not isinstance(condition, Mapping):
        return None if isinstance(condition, list) else [condition]
    if set(condition) == {"$in"}:
        return list(condition["$in"])
    if condition and set(condition) <= _RANGE:
        try:
            return _ids_in_range(collection, condition)
        except TypeError:  # ids of kinds that do not compare: scan instead
            return None
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


def _sorted_ids(collection: Any) -> list[Any]:
    store = collection._store
    documents = store._documents
    shape = (len(documents), next(reversed(documents), None))
    cached = _sorted.get(id(store))
    if cached is None or cached[0] != shape:
        cached = (shape, sorted(documents))
        _sorted[id(store)] = cached
    return cached[1]
