"""A location with a pool, a default, a user and contacts, made through the
domain functions (so every cached selection is as real as any)."""

from __future__ import annotations

from gateway import contacts, locations, users
from gateway.records import Cause
from gateway.runtime import Runtime

FRONT, RIVERA, CAMPAIGN = "+12025550143", "+14155550100", "+12125550199"
CAUSE = Cause("test")


async def seed_location(
    runtime: Runtime, contact_count: int, *, assigned_every: int = 3
) -> str:
    """Three numbers, FRONT the default; Ana, whose inbound is RIVERA, has
    every `assigned_every`-th contact. Returns the location's id."""
    location, _ = await locations.create_location(runtime, "Harbor Dental")
    for number in (FRONT, RIVERA, CAMPAIGN):
        _, location = await locations.add_phone_number(
            runtime, location, number, None, CAUSE
        )
    location = await locations.set_default_outbound_number(
        runtime, location, FRONT, CAUSE
    )
    ana = await users.create_user(runtime, location, "Ana Rivera", None, RIVERA)

    for i in range(contact_count):
        user_id = ana.id if i % assigned_every == 0 else None
        await contacts.create_contact(
            runtime, location, f"Contact {i}", f"+1617555{i:04d}", user_id, CAUSE
        )
    return location.id
