"""Changes to a location: creating it, its key, its pool and its default.

Each change that can move selections bumps the location's selection
revision (the store does that in the same update) and is followed by a
recompute job through the outbox.
"""

from __future__ import annotations

import logging

from bson import ObjectId

from gateway.errors import BadUserInput, Conflict, NotFound
from gateway.keys import hash_api_key, new_api_key
from gateway.phone import to_e164
from gateway.records import (
    ALL_CHANNELS,
    Cause,
    Channel,
    JobKind,
    Location,
    NumberStatus,
    PhoneNumber,
)
from gateway.runtime import Runtime
from gateway.validation import MAX_LABEL_LENGTH, clean_optional_text, clean_text

logger = logging.getLogger(__name__)


async def create_location(runtime: Runtime, name: str) -> tuple[Location, str]:
    """A new, empty location and its API key (the only time it is shown)."""
    clean_name = clean_text(name, field="name")
    api_key = new_api_key()

    location = await runtime.store.locations.create(clean_name, hash_api_key(api_key))

    logger.info("Location %s created.", location.id, extra={"location_id": location.id})
    return location, api_key


async def rotate_api_key(runtime: Runtime, location: Location) -> str:
    """A new key for the location; the old one stops working at once."""
    api_key = new_api_key()
    await runtime.store.locations.set_key_hash(location.id, hash_api_key(api_key))
    logger.info(
        "API key of location %s rotated.",
        location.id,
        extra={"location_id": location.id},
    )
    return api_key


async def issue_api_key(runtime: Runtime, location_id: str) -> str:
    """A new key for a location, given by the admin (after a revocation, say);
    any key the location had stops working at once."""
    api_key = new_api_key()
    if not await runtime.store.locations.set_key_hash(
        location_id, hash_api_key(api_key)
    ):
        raise NotFound(f"No location has id {location_id!r}.", field="locationId")
    logger.info(
        "API key of location %s issued by the admin.",
        location_id,
        extra={"location_id": location_id},
    )
    return api_key


async def revoke_api_key(runtime: Runtime, location_id: str) -> None:
    if not await runtime.store.locations.set_key_hash(location_id, None):
        raise NotFound(f"No location has id {location_id!r}.", field="locationId")
    logger.info(
        "API key of location %s revoked.",
        location_id,
        extra={"location_id": location_id},
    )


async def add_phone_number(
    runtime: Runtime,
    location: Location,
    number: str,
    label: str | None,
    cause: Cause,
    capabilities: frozenset[Channel] = ALL_CHANNELS,
) -> tuple[PhoneNumber, Location]:
    """Add a number to the pool; a released one comes back to life."""
    e164 = to_e164(number, default_region=runtime.settings.default_region)
    clean_label = clean_optional_text(label, field="label", max_length=MAX_LABEL_LENGTH)
    if not capabilities:
        raise BadUserInput(
            "A number must serve at least one channel.", field="capabilities"
        )

    existing = location.pool.get(e164)
    if existing is not None and existing.is_active:
        raise Conflict(f"The pool already has {e164}.", field="number")
    if existing is not None:
        return await _reactivate(runtime, location, existing, clean_label, cause)

    phone = PhoneNumber(
        id=str(ObjectId()),
        number=e164,
        label=clean_label,
        status=NumberStatus.ACTIVE,
        capabilities=capabilities,
    )
    updated = await runtime.store.locations.add_phone_number(location.id, phone)
    if updated is None:
        raise Conflict(f"The pool already has {e164}.", field="number")
    return updated.pool[e164], updated


async def _reactivate(
    runtime: Runtime,
    location: Location,
    phone: PhoneNumber,
    label: str | None,
    cause: Cause,
) -> tuple[PhoneNumber, Location]:
    # Selections that skipped the released number may choose it again.
    async with runtime.outbox.change(
        location.id, JobKind.POOL, cause, number=phone.number
    ):
        updated = await runtime.store.locations.set_phone_number_status(
            location.id,
            phone.number,
            current=NumberStatus.RELEASED,
            new=NumberStatus.ACTIVE,
            label=label,
        )
        if updated is None:
            raise Conflict(f"The pool already has {phone.number}.", field="number")
    return updated.pool[phone.number], updated


async def release_phone_number(
    runtime: Runtime, location: Location, number: str, cause: Cause
) -> tuple[PhoneNumber, Location]:
    """Take a number out of use; releasing it twice changes nothing."""
    phone = pool_number(runtime, location, number)
    if not phone.is_active:
        return phone, location

    async with runtime.outbox.change(
        location.id, JobKind.POOL, cause, number=phone.number
    ):
        updated = await runtime.store.locations.set_phone_number_status(
            location.id,
            phone.number,
            current=NumberStatus.ACTIVE,
            new=NumberStatus.RELEASED,
        )

    if updated is None:
        # Released meanwhile by another request; that one's job covers it.
        updated = await _reload(runtime, location)
    return updated.pool[phone.number], updated


async def set_phone_number_capabilities(
    runtime: Runtime,
    location: Location,
    number: str,
    capabilities: frozenset[Channel],
    cause: Cause,
) -> tuple[PhoneNumber, Location]:
    phone = pool_number(runtime, location, number)
    if not capabilities:
        raise BadUserInput(
            "A number must serve at least one channel.", field="capabilities"
        )
    if phone.capabilities == capabilities:
        return phone, location

    async with runtime.outbox.change(
        location.id, JobKind.POOL, cause, number=phone.number
    ):
        updated = await runtime.store.locations.set_phone_number_capabilities(
            location.id, phone.number, capabilities
        )
        if updated is None:
            raise NotFound(f"The pool has no number {phone.number}.", field="number")
    return updated.pool[phone.number], updated


async def set_default_outbound_number(
    runtime: Runtime, location: Location, number: str | None, cause: Cause
) -> Location:
    e164 = None if number is None else active_pool_number(runtime, location, number)
    if e164 == location.default_outbound_number:
        return location

    async with runtime.outbox.change(location.id, JobKind.DEFAULT_OUTBOUND, cause):
        updated = await runtime.store.locations.set_default_outbound_number(
            location.id, e164
        )
        if updated is None:
            raise BadUserInput(
                f"{e164} is not an active number of the pool.", field="number"
            )
    return updated


def pool_number(runtime: Runtime, location: Location, number: str) -> PhoneNumber:
    e164 = to_e164(number, default_region=runtime.settings.default_region)
    phone = location.pool.get(e164)
    if phone is None:
        raise NotFound(f"The pool has no number {e164}.", field="number")
    return phone


def active_pool_number(
    runtime: Runtime, location: Location, number: str, *, field: str = "number"
) -> str:
    """`number` in E.164, checked to be an active number of the pool."""
    e164 = to_e164(number, default_region=runtime.settings.default_region, field=field)
    phone = location.pool.get(e164)
    if phone is None or not phone.is_active:
        raise BadUserInput(f"{e164} is not an active number of the pool.", field=field)
    return e164


async def _reload(runtime: Runtime, location: Location) -> Location:
    current = await runtime.store.locations.get(location.id)
    if current is None:
        raise NotFound("The location no longer exists.")
    return current
