"""Locations full of contacts, written straight into the database.

Users and the pool go through the store, as the gateway writes them.
Contacts are inserted in bulk, already carrying the selection the rules
give them: a hundred thousand of them through the API would take far
longer than the benchmarks themselves. Their documents follow the layout
of `ContactStore.insert`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime

from bson import ObjectId

from gateway.keys import hash_api_key, new_api_key
from gateway.recompute import cached_selection
from gateway.records import ContactState, Location, NumberStatus, PhoneNumber, User
from gateway.store import Store
from gateway.store.documents import cached_selection_document

# Documents per insert command: well inside the 48 MB a message may carry.
INSERT_BATCH = 10_000

# The pool: numbers for users' inbound lines, a default, campaign lines
# contacts were last reached from, and two released numbers some were
# reached from before.
USERS_WITH_INBOUND = 16
USERS_WITHOUT_INBOUND = 4
CAMPAIGN_LINES = 3
RELEASED_LINES = 2

# Shares of contacts that are assigned to a user, and that were contacted
# before: a busy sales team's book.
ASSIGNED_SHARE = 0.7
CONTACTED_SHARE = 0.4


@dataclass(frozen=True, slots=True)
class SeededLocation:
    location: Location
    api_key: str
    users: list[User]


async def seed_location(
    store: Store,
    contacts: int,
    *,
    users: int = USERS_WITH_INBOUND + USERS_WITHOUT_INBOUND,
    seed: int = 5,
) -> SeededLocation:
    """A location with its pool, `users` users and `contacts` contacts."""
    rng = random.Random(seed)
    api_key = new_api_key()
    location = await store.locations.create("Bench Realty", hash_api_key(api_key))

    inbound_lines = min(users, USERS_WITH_INBOUND)
    numbers = _numbers(inbound_lines + 1 + CAMPAIGN_LINES + RELEASED_LINES)
    for number in numbers:
        found = await store.locations.add_phone_number(location.id, _phone(number))
        assert found is not None
    for number in numbers[-RELEASED_LINES:]:
        await store.locations.set_phone_number_status(
            location.id, number, current=NumberStatus.ACTIVE, new=NumberStatus.RELEASED
        )
    default = numbers[inbound_lines]
    current = await store.locations.set_default_outbound_number(location.id, default)
    assert current is not None

    team = [
        await store.users.create(
            location.id,
            f"Agent {i}",
            f"agent{i}@bench.example",
            numbers[i] if i < inbound_lines else None,
        )
        for i in range(users)
    ]
    reached_from = numbers[inbound_lines + 1 :]
    await _insert_contacts(store, current, team, reached_from, contacts, rng)
    return SeededLocation(location=current, api_key=api_key, users=team)


async def _insert_contacts(
    store: Store,
    location: Location,
    team: list[User],
    reached_from: list[str],
    count: int,
    rng: random.Random,
) -> None:
    users = {user.id: user for user in team}
    collection = store.database["contacts"]
    batch = []
    for i in range(count):
        user = rng.choice(team) if rng.random() < ASSIGNED_SHARE else None
        last = rng.choice(reached_from) if rng.random() < CONTACTED_SHARE else None
        batch.append(_contact_document(location, users, i, user, last))
        if len(batch) == INSERT_BATCH:
            await collection.insert_many(batch)
            batch = []
    if batch:
        await collection.insert_many(batch)


def _contact_document(
    location: Location,
    users: dict[str, User],
    index: int,
    user: User | None,
    last: str | None,
) -> dict[str, object]:
    user_id = None if user is None else user.id
    state = ContactState("", user_id, last, None)
    selection = cached_selection_document(cached_selection(state, users, location))
    now = datetime.now(UTC)
    return {
        "_id": ObjectId(),
        "locationId": ObjectId(location.id),
        "name": f"Contact {index}",
        "phone": f"+1{2000000000 + index}",
        "assignedUserId": None if user is None else ObjectId(user.id),
        "lastOutboundNumber": last,
        "lastContactedAt": None if last is None else now,
        "selection": selection,
        "selectionHistory": [
            {
                "at": now,
                "from": None,
                "to": {"number": selection["number"], "reason": selection["reason"]},
                "cause": "seed",
                "requestId": None,
                "jobId": None,
            }
        ],
        "createdAt": now,
    }


def _numbers(count: int) -> list[str]:
    return [f"+1415555{i:04d}" for i in range(count)]


def _phone(number: str) -> PhoneNumber:
    return PhoneNumber(
        id=str(ObjectId()), number=number, label=None, status=NumberStatus.ACTIVE
    )
