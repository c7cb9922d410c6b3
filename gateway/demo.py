"""A small demo location for the embedded default, built through the same
functions the API uses, so its cached selections are as real as any."""

from __future__ import annotations

from dataclasses import dataclass

from gateway import contacts, locations, users
from gateway.records import Cause
from gateway.runtime import Runtime

_CAUSE = Cause("demo")


@dataclass(frozen=True, slots=True)
class DemoLocation:
    location_id: str
    api_key: str


async def seed_demo(runtime: Runtime) -> DemoLocation:
    """Create "Harbor Dental" with a pool, two users and a few contacts."""
    location, api_key = await locations.create_location(runtime, "Harbor Dental")

    for number, label in [
        ("+12025550143", "Front desk"),
        ("+14155550100", "Dr. Rivera"),
        ("+12125550199", "Old campaign line"),
    ]:
        _, location = await locations.add_phone_number(
            runtime, location, number, label, _CAUSE
        )
    location = await locations.set_default_outbound_number(
        runtime, location, "+12025550143", _CAUSE
    )

    rivera = await users.create_user(
        runtime, location, "Ana Rivera", "ana@harbor.example", "+14155550100"
    )
    await users.create_user(runtime, location, "Ben Okafor", "ben@harbor.example", None)

    people = [
        ("Carla Mendes", "+13105550123", rivera.id),
        ("Dev Patel", "+16175550111", None),
        ("Eun-ji Park", "+12125550188", None),
        ("Farid Haddad", "+14155550177", None),
    ]
    created = [
        await contacts.create_contact(runtime, location, name, phone, user_id, _CAUSE)
        for name, phone, user_id in people
    ]

    # Dev was last texted from the old campaign line, which is then released:
    # his selection falls back to the default, and says why.
    await contacts.record_outbound_message(
        runtime, location, created[1].id, "+12125550199", _CAUSE
    )
    await contacts.record_outbound_message(
        runtime, location, created[2].id, "+14155550100", _CAUSE
    )
    await locations.release_phone_number(runtime, location, "+12125550199", _CAUSE)

    await runtime.outbox.drain()
    return DemoLocation(location_id=location.id, api_key=api_key)
