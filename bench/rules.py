"""The pure selection function alone: decisions per second."""

from __future__ import annotations

import random
import statistics
import time

from bson import ObjectId

from gateway.records import Location, NumberStatus, PhoneNumber, User
from gateway.rules import select_outbound_number

CASES = 1000
REPEATS = 7

Case = tuple[str | None, User | None, str | None]


def decisions_per_second(seed: int = 5) -> float:
    """The median of `REPEATS` passes over the same mixed cases: every rule
    fires, and some numbers are released or missing from the pool."""
    location, cases = _cases(random.Random(seed))
    rates = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        for user_id, user, last in cases:
            select_outbound_number(
                assigned_user_id=user_id,
                assigned_user=user,
                last_outbound_number=last,
                location=location,
            )
        rates.append(len(cases) / (time.perf_counter() - start))
    return statistics.median(rates)


def _cases(rng: random.Random) -> tuple[Location, list[Case]]:
    numbers = [f"+1415555{i:04d}" for i in range(24)]
    pool = tuple(
        PhoneNumber(
            id=str(ObjectId()),
            number=number,
            label=None,
            status=NumberStatus.RELEASED if i >= 22 else NumberStatus.ACTIVE,
        )
        for i, number in enumerate(numbers)
    )
    location = Location(
        id=str(ObjectId()),
        name="Bench Realty",
        default_outbound_number=numbers[16],
        phone_numbers=pool,
        selection_revision=1,
    )
    users = [
        User(str(ObjectId()), location.id, f"Agent {i}", None, inbound)
        for i, inbound in enumerate([*numbers[:16], None, None, None, "+19995550000"])
    ]
    cases: list[Case] = []
    for _ in range(CASES):
        user = rng.choice(users) if rng.random() < 0.7 else None
        last = rng.choice(numbers[17:]) if rng.random() < 0.4 else None
        cases.append((None if user is None else user.id, user, last))
    return location, cases
