"""Changes to a location's users and their inbound numbers."""

from __future__ import annotations

from gateway.errors import NotFound
from gateway.locations import active_pool_number
from gateway.records import Cause, JobKind, Location, User
from gateway.runtime import Runtime
from gateway.validation import clean_email, clean_text


async def create_user(
    runtime: Runtime,
    location: Location,
    name: str,
    email: str | None,
    inbound_number: str | None,
) -> User:
    # A new user has no contacts yet, so no selection can change.
    clean_name = clean_text(name, field="name")
    clean_mail = clean_email(email)
    inbound = _inbound(runtime, location, inbound_number)

    return await runtime.store.users.create(
        location.id, clean_name, clean_mail, inbound
    )


async def set_user_inbound_number(
    runtime: Runtime, location: Location, user_id: str, number: str | None, cause: Cause
) -> User:
    user = await get_user(runtime, location, user_id)
    inbound = _inbound(runtime, location, number)
    if inbound == user.inbound_number:
        return user

    store = runtime.store
    async with runtime.outbox.change(
        location.id, JobKind.USER_INBOUND, cause, user_id=user.id
    ):
        updated = await store.users.set_inbound_number(location.id, user.id, inbound)
        if updated is None:
            raise NotFound(f"No user has id {user_id!r}.", field="userId")
        # After the user's own write, so that anyone who sees the new
        # revision also sees the new number.
        await store.locations.bump_selection_revision(location.id)
    return updated


async def get_user(runtime: Runtime, location: Location, user_id: str) -> User:
    user = await runtime.store.users.get(location.id, user_id)
    if user is None:
        raise NotFound(f"No user has id {user_id!r}.", field="userId")
    return user


def _inbound(runtime: Runtime, location: Location, number: str | None) -> str | None:
    if number is None:
        return None
    return active_pool_number(runtime, location, number, field="inboundNumber")
