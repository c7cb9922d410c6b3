"""Locations: their API key hash, pool of numbers and default number.

The pool lives inside the location's document so that a change to the pool
or the default and the bump of the location's selection revision are one
atomic update.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bson import ObjectId
from pymongo import ReturnDocument

from gateway.records import Channel, Location, NumberStatus, PhoneNumber
from gateway.store.documents import (
    Collection,
    Document,
    location_record,
    object_id,
    phone_number_document,
)

_AFTER = ReturnDocument.AFTER

# The key hash is needed only to authenticate, never to answer a query.
_PROJECTION = {"apiKeyHash": 0}


class LocationStore:
    def __init__(self, collection: Collection) -> None:
        self._locations = collection

    async def create(self, name: str, api_key_hash: str) -> Location:
        doc: Document = {
            "_id": ObjectId(),
            "name": name,
            "apiKeyHash": api_key_hash,
            "defaultOutboundNumber": None,
            "phoneNumbers": [],
            "selectionRevision": 0,
            "createdAt": datetime.now(UTC),
        }
        await self._locations.insert_one(doc)
        return location_record(doc)

    async def get(self, location_id: str) -> Location | None:
        oid = object_id(location_id)
        if oid is None:
            return None
        doc = await self._locations.find_one({"_id": oid}, _PROJECTION)
        return None if doc is None else location_record(doc)

    async def find_by_key_hash(self, api_key_hash: str) -> Location | None:
        doc = await self._locations.find_one({"apiKeyHash": api_key_hash}, _PROJECTION)
        return None if doc is None else location_record(doc)

    async def set_key_hash(self, location_id: str, api_key_hash: str | None) -> bool:
        """Replace (or, with None, revoke) the location's key at once."""
        # Unset rather than null: the unique index skips documents without it.
        update = (
            {"$unset": {"apiKeyHash": ""}}
            if api_key_hash is None
            else {"$set": {"apiKeyHash": api_key_hash}}
        )
        result = await self._locations.update_one(
            {"_id": object_id(location_id)}, update
        )
        return int(result.matched_count) == 1

    async def add_phone_number(
        self, location_id: str, phone: PhoneNumber
    ) -> Location | None:
        """Add a number the pool has never held; None when it already does."""
        doc = await self._locations.find_one_and_update(
            {
                "_id": object_id(location_id),
                "phoneNumbers.number": {"$ne": phone.number},
            },
            {
                "$push": {"phoneNumbers": phone_number_document(phone)},
                "$inc": {"selectionRevision": 1},
            },
            projection=_PROJECTION,
            return_document=_AFTER,
        )
        return None if doc is None else location_record(doc)

    async def set_phone_number_status(
        self,
        location_id: str,
        number: str,
        *,
        current: NumberStatus,
        new: NumberStatus,
        label: str | None = None,
    ) -> Location | None:
        """Move a number from `current` to `new`; None when it is not `current`."""
        changes: Document = {"phoneNumbers.$.status": new.value}
        if label is not None:
            changes["phoneNumbers.$.label"] = label

        return await self._update_pool_entry(
            location_id,
            {
                "phoneNumbers": {
                    "$elemMatch": {"number": number, "status": current.value}
                }
            },
            changes,
        )

    async def set_phone_number_capabilities(
        self, location_id: str, number: str, capabilities: frozenset[Channel]
    ) -> Location | None:
        return await self._update_pool_entry(
            location_id,
            {"phoneNumbers.number": number},
            {"phoneNumbers.$.capabilities": sorted(c.value for c in capabilities)},
        )

    async def set_default_outbound_number(
        self, location_id: str, number: str | None
    ) -> Location | None:
        """Set (or clear) the default; None when `number` is not active."""
        query: Document = {"_id": object_id(location_id)}
        if number is not None:
            query["phoneNumbers"] = {
                "$elemMatch": {"number": number, "status": NumberStatus.ACTIVE.value}
            }

        doc = await self._locations.find_one_and_update(
            query,
            {
                "$set": {"defaultOutboundNumber": number},
                "$inc": {"selectionRevision": 1},
            },
            projection=_PROJECTION,
            return_document=_AFTER,
        )
        return None if doc is None else location_record(doc)

    async def _update_pool_entry(
        self, location_id: str, entry_query: Document, changes: Document
    ) -> Location | None:
        """Change the pool entry `entry_query` matches; None when none does.

        An update followed by a read, rather than one find_one_and_update:
        mongomock applies the positional `$` of find_one_and_update to the
        wrong array element. The read may see later changes too, which is
        as good as the state right after the update.
        """
        query = {"_id": object_id(location_id), **entry_query}
        update = {"$set": changes, "$inc": {"selectionRevision": 1}}
        result = await self._locations.update_one(query, update)
        if result.matched_count == 0:
            return None
        return await self.get(location_id)

    async def bump_selection_revision(self, location_id: str) -> int:
        """Record that something the location's selections share has changed."""
        doc = await self._locations.find_one_and_update(
            {"_id": object_id(location_id)},
            {"$inc": {"selectionRevision": 1}},
            projection={"selectionRevision": 1},
            return_document=_AFTER,
        )
        return int(doc["selectionRevision"])
