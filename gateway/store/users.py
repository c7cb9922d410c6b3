"""Users of a location, and the inbound number each may have."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from bson import ObjectId
from pymongo import ReturnDocument

from gateway.records import User
from gateway.store.documents import Collection, Document, object_id, user_record

# A location's user list is returned whole; no real team is this large, and
# the cap keeps a broken import from turning one query into an outage.
MAX_USERS_LISTED = 1000


class UserStore:
    def __init__(self, collection: Collection) -> None:
        self._users = collection

    async def create(
        self, location_id: str, name: str, email: str | None, inbound_number: str | None
    ) -> User:
        doc: Document = {
            "_id": ObjectId(),
            "locationId": ObjectId(location_id),
            "name": name,
            "email": email,
            "inboundNumber": inbound_number,
            "createdAt": datetime.now(UTC),
        }
        await self._users.insert_one(doc)
        return user_record(doc)

    async def get(self, location_id: str, user_id: str) -> User | None:
        oid = object_id(user_id)
        if oid is None:
            return None
        doc = await self._users.find_one(
            {"_id": oid, "locationId": ObjectId(location_id)}
        )
        return None if doc is None else user_record(doc)

    async def get_many(self, location_id: str, user_ids: Iterable[str]) -> list[User]:
        oids = [oid for oid in map(object_id, set(user_ids)) if oid is not None]
        if not oids:
            return []
        cursor = self._users.find(
            {"_id": {"$in": oids}, "locationId": ObjectId(location_id)}
        ).batch_size(len(oids))
        return [user_record(doc) for doc in await cursor.to_list(len(oids))]

    async def list(self, location_id: str) -> list[User]:
        cursor = self._users.find({"locationId": ObjectId(location_id)}).sort("_id", 1)
        docs = await cursor.to_list(MAX_USERS_LISTED)
        return [user_record(doc) for doc in docs]

    async def set_inbound_number(
        self, location_id: str, user_id: str, number: str | None
    ) -> User | None:
        oid = object_id(user_id)
        if oid is None:
            return None
        doc = await self._users.find_one_and_update(
            {"_id": oid, "locationId": ObjectId(location_id)},
            {"$set": {"inboundNumber": number}},
            return_document=ReturnDocument.AFTER,
        )
        return None if doc is None else user_record(doc)
