"""Records for tests of the pure rules, with sensible defaults."""

from __future__ import annotations

from gateway.records import (
    ALL_CHANNELS,
    Channel,
    Location,
    NumberStatus,
    PhoneNumber,
    User,
)


def phone(
    number: str,
    *,
    active: bool = True,
    capabilities: frozenset[Channel] = ALL_CHANNELS,
) -> PhoneNumber:
    status = NumberStatus.ACTIVE if active else NumberStatus.RELEASED
    return PhoneNumber(
        id=f"id-{number}",
        number=number,
        label=None,
        status=status,
        capabilities=capabilities,
    )


def location(
    *phones: PhoneNumber, default: str | None = None, revision: int = 1
) -> Location:
    return Location(
        id="location-1",
        name="Test Location",
        default_outbound_number=default,
        phone_numbers=phones,
        selection_revision=revision,
    )


def user(name: str = "Ana Rivera", inbound: str | None = None) -> User:
    return User(
        id="user-1",
        location_id="location-1",
        name=name,
        email=None,
        inbound_number=inbound,
    )
