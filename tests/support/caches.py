"""Checking that every cached selection equals the one computed live."""

from __future__ import annotations

from gateway.recompute import cached_selection
from gateway.store import ContactFilter, Store


async def stale_selections(store: Store, location_id: str) -> list[str]:
    """Contacts whose cached (number, reason) differs from the live rules."""
    location = await store.locations.get(location_id)
    assert location is not None
    contacts = await store.contacts.page(
        location_id, ContactFilter(), after_id=None, limit=100_000
    )
    users = {user.id: user for user in await store.users.list(location_id)}

    stale = []
    for contact in contacts:
        live = cached_selection(contact.state, users, location)
        cached = contact.cached_selection
        if cached is None or (cached.number, cached.reason) != (
            live.number,
            live.reason,
        ):
            stale.append(f"{contact.name}: cached {cached}, live {live}")
    return stale
