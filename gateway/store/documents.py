"""How records are laid out as MongoDB documents, in both directions.

This module and its neighbours in `gateway.store` are the only code that
knows collection and field names.
"""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from bson.errors import InvalidId

from gateway.records import (
    CachedSelection,
    Channel,
    Contact,
    Location,
    NumberStatus,
    PhoneNumber,
    Reason,
    SelectionChange,
    User,
)

Document = dict[str, Any]

# Motor's collection type, which mongomock-motor imitates; Motor ships no
# type hints, so nothing is lost by naming it loosely.
Collection = Any


def object_id(value: str) -> ObjectId | None:
    """The ObjectId an API id names, or None when it cannot name one."""
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


def optional_id(value: ObjectId | None) -> str | None:
    return None if value is None else str(value)


def phone_number_document(phone: PhoneNumber) -> Document:
    return {
        "id": phone.id,
        "number": phone.number,
        "label": phone.label,
        "status": phone.status.value,
        "capabilities": sorted(channel.value for channel in phone.capabilities),
    }


def phone_number_record(doc: Document) -> PhoneNumber:
    return PhoneNumber(
        id=doc["id"],
        number=doc["number"],
        label=doc.get("label"),
        status=NumberStatus(doc["status"]),
        capabilities=frozenset(Channel(value) for value in doc["capabilities"]),
    )


def location_record(doc: Document) -> Location:
    return Location(
        id=str(doc["_id"]),
        name=doc["name"],
        default_outbound_number=doc.get("defaultOutboundNumber"),
        phone_numbers=tuple(phone_number_record(p) for p in doc["phoneNumbers"]),
        selection_revision=doc["selectionRevision"],
    )


def user_record(doc: Document) -> User:
    return User(
        id=str(doc["_id"]),
        location_id=str(doc["locationId"]),
        name=doc["name"],
        email=doc.get("email"),
        inbound_number=doc.get("inboundNumber"),
    )


def cached_selection_document(cached: CachedSelection) -> Document:
    return {
        "number": cached.number,
        "reason": cached.reason.value,
        "revision": cached.revision,
    }


def cached_selection_record(doc: Document | None) -> CachedSelection | None:
    if doc is None:
        return None
    return CachedSelection(
        number=doc["number"], reason=Reason(doc["reason"]), revision=doc["revision"]
    )


def contact_record(doc: Document) -> Contact:
    return Contact(
        id=str(doc["_id"]),
        location_id=str(doc["locationId"]),
        name=doc["name"],
        phone=doc["phone"],
        assigned_user_id=optional_id(doc.get("assignedUserId")),
        last_outbound_number=doc.get("lastOutboundNumber"),
        last_contacted_at=doc.get("lastContactedAt"),
        cached_selection=cached_selection_record(doc.get("selection")),
    )


def selection_change_record(doc: Document) -> SelectionChange:
    previous = doc.get("from") or {}
    previous_reason = previous.get("reason")
    return SelectionChange(
        at=doc["at"],
        previous_number=previous.get("number"),
        previous_reason=None if previous_reason is None else Reason(previous_reason),
        number=doc["to"]["number"],
        reason=Reason(doc["to"]["reason"]),
        cause=doc["cause"],
        request_id=doc.get("requestId"),
        job_id=doc.get("jobId"),
    )


# Reads of contacts never need the history; it can hold dozens of entries.
CONTACT_PROJECTION = {"selectionHistory": 0}
