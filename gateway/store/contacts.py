"""Contacts: who they are assigned to, how they were last reached, and the
selection cached on each, with its history.

Every write of a cached selection is conditional: it applies only while the
contact's inputs and cached selection are still what the writer read, and
never over a selection computed from a newer location revision. Writes that
share a shape are sent together, so a recompute of a thousand contacts is a
handful of updates, not a thousand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from gateway.records import (
    CachedSelection,
    Cause,
    ChunkBounds,
    Contact,
    ContactState,
    Reason,
    SelectionChange,
)
from gateway.store.documents import (
    CONTACT_PROJECTION,
    Collection,
    Document,
    cached_selection_document,
    cached_selection_record,
    contact_record,
    object_id,
    optional_id,
    selection_change_record,
)

# Entries of selection history kept per contact; older ones fall off as new
# ones are pushed, so a contact's document stays small however often its
# selection changes.
HISTORY_LIMIT = 50

_STATE_PROJECTION = {
    "assignedUserId": 1,
    "lastOutboundNumber": 1,
    "selection": 1,
}


class DuplicatePhone(Exception):
    """Another contact of the location already has this phone."""


@dataclass(frozen=True, slots=True)
class ContactFilter:
    assigned_user_id: str | None = None
    unassigned: bool | None = None
    outbound_number: str | None = None
    reason: Reason | None = None


@dataclass(frozen=True, slots=True)
class InputGroup:
    """Contacts alike in all a selection depends on, and how many there are."""

    assigned_user_id: str | None
    last_outbound_number: str | None
    count: int


@dataclass(frozen=True, slots=True)
class SelectionWrite:
    """Set a contact's inputs and cached selection, if it is still `before`."""

    before: ContactState
    assigned_user_id: str | None
    last_outbound_number: str | None
    selection: CachedSelection
    contacted_at: datetime | None = None


class ContactStore:
    def __init__(self, collection: Collection) -> None:
        self._contacts = collection

    async def insert(
        self,
        location_id: str,
        *,
        name: str,
        phone: str,
        assigned_user_id: str | None,
        selection: CachedSelection,
        cause: Cause,
    ) -> Contact:
        now = datetime.now(UTC)
        doc: Document = {
            "_id": ObjectId(),
            "locationId": ObjectId(location_id),
            "name": name,
            "phone": phone,
            "assignedUserId": _oid_or_none(assigned_user_id),
            "lastOutboundNumber": None,
            "lastContactedAt": None,
            "selection": cached_selection_document(selection),
            "selectionHistory": [_history_entry(now, None, selection, cause)],
            "createdAt": now,
        }
        try:
            await self._contacts.insert_one(doc)
        except DuplicateKeyError:
            raise DuplicatePhone(phone) from None
        return contact_record(doc)

    async def get(self, location_id: str, contact_id: str) -> Contact | None:
        oid = object_id(contact_id)
        if oid is None:
            return None
        doc = await self._contacts.find_one(
            {"_id": oid, "locationId": ObjectId(location_id)}, CONTACT_PROJECTION
        )
        return None if doc is None else contact_record(doc)

    async def get_many(
        self, location_id: str, contact_ids: Iterable[str]
    ) -> list[Contact]:
        oids = _object_ids(contact_ids)
        if not oids:
            return []
        cursor = self._contacts.find(
            {"_id": {"$in": oids}, "locationId": ObjectId(location_id)},
            CONTACT_PROJECTION,
        ).batch_size(len(oids))
        return [contact_record(doc) for doc in await cursor.to_list(len(oids))]

    async def get_states(
        self, location_id: str, contact_ids: Iterable[str]
    ) -> list[ContactState]:
        oids = _object_ids(contact_ids)
        if not oids:
            return []
        cursor = self._contacts.find(
            {"_id": {"$in": oids}, "locationId": ObjectId(location_id)},
            _STATE_PROJECTION,
        ).batch_size(len(oids))
        return [_state(doc) for doc in await cursor.to_list(len(oids))]

    async def page(
        self,
        location_id: str,
        contact_filter: ContactFilter,
        *,
        after_id: str | None,
        limit: int,
    ) -> list[Contact]:
        """Up to `limit` contacts in `_id` order, starting after `after_id`."""
        query = _filter_query(location_id, contact_filter)
        if after_id is not None:
            query["_id"] = {"$gt": ObjectId(after_id)}
        cursor = (
            self._contacts.find(query, CONTACT_PROJECTION)
            .sort("_id", 1)
            .limit(limit)
            .batch_size(limit)
        )
        return [contact_record(doc) for doc in await cursor.to_list(limit)]

    async def count(self, location_id: str, contact_filter: ContactFilter) -> int:
        query = _filter_query(location_id, contact_filter)
        return int(await self._contacts.count_documents(query))

    async def selection_history(
        self, location_id: str, contact_id: str, first: int
    ) -> list[SelectionChange]:
        """The contact's latest selection changes, newest first."""
        oid = object_id(contact_id)
        if oid is None:
            return []
        doc = await self._contacts.find_one(
            {"_id": oid, "locationId": ObjectId(location_id)},
            {"selectionHistory": {"$slice": -first}},
        )
        if doc is None:
            return []
        entries = doc.get("selectionHistory", [])
        return [selection_change_record(entry) for entry in reversed(entries)]

    async def chunk_bounds(
        self, location_id: str, user_id: str | None, chunk_size: int
    ) -> AsyncIterator[ChunkBounds]:
        """Split the contacts in scope into `_id` ranges of `chunk_size`.

        Only ids cross the wire, one chunk's worth per batch, so memory stays
        flat however many contacts the location has.
        """
        cursor = (
            self._contacts.find(_scope_query(location_id, user_id), {"_id": 1})
            .sort("_id", 1)
            .batch_size(chunk_size)
        )
        first: ObjectId | None = None
        last: ObjectId | None = None
        count = 0
        async for doc in cursor:
            if first is None:
                first = doc["_id"]
            last = doc["_id"]
            count += 1
            if count == chunk_size:
                yield ChunkBounds(str(first), str(last), count)
                first, count = None, 0
        if first is not None and last is not None:
            yield ChunkBounds(str(first), str(last), count)

    async def chunk_states(
        self,
        location_id: str,
        user_id: str | None,
        first_id: str,
        last_id: str,
        count: int,
    ) -> list[ContactState]:
        """The contacts in scope with `_id` from `first_id` to `last_id`.

        `count` is how many the range held when it was planned: they arrive
        in one batch (any added since, in another).
        """
        query = _scope_query(location_id, user_id)
        query["_id"] = {"$gte": ObjectId(first_id), "$lte": ObjectId(last_id)}
        cursor = self._contacts.find(query, _STATE_PROJECTION).batch_size(count)
        return [_state(doc) async for doc in cursor]

    async def input_groups(
        self, location_id: str, user_id: str | None, limit: int
    ) -> list[InputGroup]:
        """How many contacts share each (assigned user, last number) pair.

        A selection depends on nothing else of the contact, so these groups
        stand for every contact in scope; there are at most as many as
        users times numbers, however many contacts there are. Returns up to
        `limit` + 1 groups, so the caller can tell when there were more.
        """
        pipeline = [
            {"$match": _scope_query(location_id, user_id)},
            {
                "$group": {
                    "_id": {"user": "$assignedUserId", "last": "$lastOutboundNumber"},
                    "count": {"$sum": 1},
                }
            },
            {"$limit": limit + 1},
        ]
        cursor = self._contacts.aggregate(pipeline)
        return [
            InputGroup(
                assigned_user_id=optional_id(doc["_id"].get("user")),
                last_outbound_number=doc["_id"].get("last"),
                count=doc["count"],
            )
            async for doc in cursor
        ]

    async def with_inputs(
        self, location_id: str, groups: Iterable[InputGroup], limit: int
    ) -> list[Contact]:
        """Up to `limit` contacts, in `_id` order, belonging to `groups`."""
        alternatives = [
            {
                "assignedUserId": _oid_or_none(group.assigned_user_id),
                "lastOutboundNumber": group.last_outbound_number,
            }
            for group in groups
        ]
        if not alternatives or limit == 0:
            return []
        query = {"locationId": ObjectId(location_id), "$or": alternatives}
        cursor = (
            self._contacts.find(query, CONTACT_PROJECTION).sort("_id", 1).limit(limit)
        )
        return [contact_record(doc) for doc in await cursor.to_list(limit)]

    async def write_selections(
        self, location_id: str, writes: Iterable[SelectionWrite], cause: Cause
    ) -> list[str]:
        """Apply the writes whose contacts are unchanged since they were read.

        Returns the ids of the contacts whose write may not have applied:
        the caller reads those again and decides whether to retry.
        """
        unsure: list[str] = []
        now = datetime.now(UTC)

        for shape, ids_by_state in _group_by_shape(writes).items():
            query = _conditional_query(location_id, shape.revision, ids_by_state)
            update = _update(shape, now, cause)
            result = await self._contacts.update_many(query, update)

            expected = sum(len(ids) for ids in ids_by_state.values())
            if result.matched_count != expected:
                unsure.extend(str(i) for ids in ids_by_state.values() for i in ids)

        return unsure


_Choice = tuple[str | None, str]
# A contact as the writer read it: assigned user, last number, choice.
_State = tuple[ObjectId | None, str | None, _Choice | None]


@dataclass(frozen=True, slots=True)
class _Inputs:
    assigned_user_id: str | None
    last_outbound_number: str | None
    contacted_at: datetime | None


@dataclass(frozen=True, slots=True)
class _Shape:
    """What one update sets, so that it serves every write of a group.

    Most writes of a recompute only stamp a newer revision on a choice
    that stays, and leave the contact's inputs alone: those share one
    update, whatever their choice, which each write's own condition pins.
    """

    revision: int
    # The choice replaced and its replacement, for the history; None when
    # the choice stays and only the revision moves.
    change: tuple[_Choice | None, CachedSelection] | None
    # The contact's new inputs; None when they stay as they are.
    inputs: _Inputs | None


def _group_by_shape(
    writes: Iterable[SelectionWrite],
) -> dict[_Shape, dict[_State, list[ObjectId]]]:
    groups: dict[_Shape, dict[_State, list[ObjectId]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for write in writes:
        before = write.before
        before_choice = _choice(before.cached_selection)
        inputs = _Inputs(
            write.assigned_user_id, write.last_outbound_number, write.contacted_at
        )
        kept = _Inputs(before.assigned_user_id, before.last_outbound_number, None)
        shape = _Shape(
            revision=write.selection.revision,
            change=(
                None
                if before_choice == _choice(write.selection)
                else (before_choice, write.selection)
            ),
            inputs=None if inputs == kept else inputs,
        )
        state = (
            _oid_or_none(before.assigned_user_id),
            before.last_outbound_number,
            before_choice,
        )
        groups[shape][state].append(ObjectId(before.id))
    return groups


def _conditional_query(
    location_id: str, revision: int, ids_by_state: dict[_State, list[ObjectId]]
) -> Document:
    """Match the contacts only while they are as read, and not newer."""
    return {
        "locationId": ObjectId(location_id),
        "$or": [_as_read(ids, state, revision) for state, ids in ids_by_state.items()],
    }


def _as_read(ids: list[ObjectId], state: _State, revision: int) -> Document:
    user_id, last, choice = state
    condition: Document = {
        "_id": {"$in": ids},
        "assignedUserId": user_id,
        "lastOutboundNumber": last,
    }
    if choice is None:
        condition["selection"] = None
    else:
        condition["selection.number"] = choice[0]
        condition["selection.reason"] = choice[1]
        condition["selection.revision"] = {"$lte": revision}
    return condition


def _update(shape: _Shape, now: datetime, cause: Cause) -> Document:
    changes: Document = {}
    if shape.inputs is not None:
        changes["assignedUserId"] = _oid_or_none(shape.inputs.assigned_user_id)
        changes["lastOutboundNumber"] = shape.inputs.last_outbound_number
        if shape.inputs.contacted_at is not None:
            changes["lastContactedAt"] = shape.inputs.contacted_at

    if shape.change is None:
        changes["selection.revision"] = shape.revision
        return {"$set": changes}

    before, after = shape.change
    changes["selection"] = cached_selection_document(after)
    entry = _history_entry(now, before, after, cause)
    return {
        "$set": changes,
        "$push": {"selectionHistory": {"$each": [entry], "$slice": -HISTORY_LIMIT}},
    }


def _choice(selection: CachedSelection | None) -> _Choice | None:
    if selection is None:
        return None
    return (selection.number, selection.reason.value)


def _history_entry(
    now: datetime, before: _Choice | None, after: CachedSelection, cause: Cause
) -> Document:
    return {
        "at": now,
        "from": None if before is None else {"number": before[0], "reason": before[1]},
        "to": {"number": after.number, "reason": after.reason.value},
        "cause": cause.name,
        "requestId": cause.request_id,
        "jobId": cause.job_id,
    }


def _filter_query(location_id: str, contact_filter: ContactFilter) -> Document:
    query: Document = {"locationId": ObjectId(location_id)}
    if contact_filter.assigned_user_id is not None:
        # An id that cannot name a user matches no contact, never "unassigned".
        user_oid = object_id(contact_filter.assigned_user_id)
        query["assignedUserId"] = user_oid if user_oid else {"$in": []}
    if contact_filter.unassigned is True:
        query["assignedUserId"] = None
    elif contact_filter.unassigned is False:
        query.setdefault("assignedUserId", {"$ne": None})
    if contact_filter.outbound_number is not None:
        query["selection.number"] = contact_filter.outbound_number
    if contact_filter.reason is not None:
        query["selection.reason"] = contact_filter.reason.value
    return query


def _scope_query(location_id: str, user_id: str | None) -> Document:
    query: Document = {"locationId": ObjectId(location_id)}
    if user_id is not None:
        query["assignedUserId"] = ObjectId(user_id)
    return query


def _state(doc: Document) -> ContactState:
    return ContactState(
        id=str(doc["_id"]),
        assigned_user_id=optional_id(doc.get("assignedUserId")),
        last_outbound_number=doc.get("lastOutboundNumber"),
        cached_selection=cached_selection_record(doc.get("selection")),
    )


def _object_ids(values: Iterable[str]) -> list[ObjectId]:
    return [oid for oid in map(object_id, set(values)) if oid is not None]


def _oid_or_none(value: str | None) -> ObjectId | None:
    return None if value is None else ObjectId(value)
