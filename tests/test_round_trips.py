"""Round trips to MongoDB. A page of contacts costs the same whatever its
size: the caller's location (with its pool), the page, the count, the
users. A recompute writes a chunk in a handful of updates, however varied
its contacts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from pymongo import monitoring

from gateway.settings import Settings
from gateway.store import Store, connect
from tests.support.api import Api, open_api
from tests.support.mongo_wire import MongoWireServer
from tests.support.round_trips import CommandCounter, CountingDatabase, RoundTrips
from tests.support.settings import make_settings
from tests.support.stores import close_test_store, open_test_store
from tests.support.tenants import (
    Tenant,
    add_numbers,
    create_contact,
    create_user,
    new_tenant,
)

FRONT = "+12025550143"
RIVERA = "+14155550100"

PAGE = """
query($first: Int!) {
  contacts(first: $first) {
    totalCount
    edges {
      cursor
      node {
        id name outboundNumber
        outboundSelection { number reason explanation }
        assignedUser { id name inboundNumber }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

SET_DEFAULT = "mutation($n: String) { setDefaultOutboundNumber(number: $n) { id } }"
RECORD = "mutation($c: ID!, $n: String!) { recordOutboundMessage(contactId: $c, fromNumber: $n) { id } }"

# What one page reads, whatever its size.
PAGE_READS = {
    ("locations", "find_one"): 1,
    ("contacts", "find"): 1,
    ("contacts", "count_documents"): 1,
    ("users", "find"): 1,
}


@pytest.fixture
def tally() -> RoundTrips:
    return RoundTrips()


@pytest.fixture
async def counted_api(settings: Settings, tally: RoundTrips) -> AsyncIterator[Api]:
    raw = open_test_store()
    store = Store(CountingDatabase(raw.database, tally))
    api = await open_api(settings, store)
    yield api
    await api.drain()
    await api.close()
    await close_test_store(raw)


@pytest.fixture
async def tenant(counted_api: Api) -> Tenant:
    """A location with 100 contacts: most assigned, among three users."""
    api = counted_api
    tenant = await new_tenant(api)
    await add_numbers(api, tenant, FRONT, RIVERA)
    await api.call(
        tenant.key,
        f'mutation {{ setDefaultOutboundNumber(number: "{FRONT}") {{ id }} }}',
    )
    users = [
        await create_user(api, tenant, "Ana Rivera", RIVERA),
        await create_user(api, tenant, "Ben Okafor"),
        await create_user(api, tenant, "Cleo Ito"),
    ]
    for i in range(100):
        user = None if i % 4 == 3 else users[i % 4]
        await create_contact(api, tenant, f"Contact {i}", f"+1617555{i:04d}", user)
    await api.drain()
    return tenant


async def test_a_page_costs_the_same_round_trips_whatever_its_size(
    counted_api: Api, tenant: Tenant, tally: RoundTrips
) -> None:
    reads = {}
    for size in (1, 10, 100):
        tally.reset()
        data = await counted_api.call(tenant.key, PAGE, first=size)
        assert len(data["contacts"]["edges"]) == size
        reads[size] = dict(tally.calls)

    assert reads[1] == reads[10] == reads[100] == PAGE_READS


async def test_a_recompute_writes_a_chunk_in_two_updates_however_varied(
    counted_api: Api, tally: RoundTrips
) -> None:
    """After the default number changes, every contact's selection is
    stamped with the new revision, and those on the default move to the new
    one: two kinds of write, whatever users and numbers the contacts have."""
    api = counted_api
    tenant = await new_tenant(api)
    inbound = [f"+1415555{i:04d}" for i in range(12)]
    await add_numbers(api, tenant, FRONT, RIVERA, *inbound)
    await api.call(tenant.key, SET_DEFAULT, n=FRONT)
    users = [
        await create_user(api, tenant, f"User {i}", n) for i, n in enumerate(inbound)
    ]
    users += [await create_user(api, tenant, f"Plain {i}") for i in range(3)]
    for i in range(60):
        user = None if i % 4 == 0 else users[i % len(users)]
        contact = await create_contact(api, tenant, f"C{i}", f"+1617555{i:04d}", user)
        if i % 3 == 0:
            await api.call(tenant.key, RECORD, c=contact, n=inbound[i % 12])
    await api.drain()

    tally.reset()
    await api.call(tenant.key, SET_DEFAULT, n=RIVERA)
    await api.drain()

    assert tally.calls[("contacts", "update_many")] == 2


@pytest.fixture
def wire_counter() -> Iterator[tuple[str, CommandCounter]]:
    """The wire stand-in, and a count of the commands the driver sends it."""
    with MongoWireServer() as server:
        counter = CommandCounter(server.port)
        monitoring.register(counter)
        yield server.uri, counter


@pytest.fixture
async def wire_api(wire_counter: tuple[str, CommandCounter]) -> AsyncIterator[Api]:
    store = connect(wire_counter[0], "round_trips")
    # Seeding 500 contacts through the API is far over one key's rate limit.
    settings = make_settings(max_page_size=500, rate_limit="100000/minute")
    api = await open_api(settings, store)
    yield api
    await api.close()
    store.close()


async def test_the_driver_reads_a_large_page_in_one_batch_per_read(
    wire_api: Api, wire_counter: tuple[str, CommandCounter]
) -> None:
    """A server sends 101 documents in a cursor's first batch unless asked
    for more: a page of 500 contacts assigned to 102 users is where a
    forgotten batch size would show, as getMore commands."""
    _, counter = wire_counter
    tenant = await new_tenant(wire_api)
    users = [await create_user(wire_api, tenant, f"User {i}") for i in range(102)]
    for i in range(500):
        await create_contact(
            wire_api, tenant, f"Contact {i}", f"+1617555{i:04d}", users[i % 102]
        )

    sent = {}
    for size in (1, 100, 500):
        counter.reset()
        await wire_api.call(tenant.key, PAGE, first=size)
        sent[size] = dict(counter.commands)

    assert (
        sent[1]
        == sent[100]
        == sent[500]
        == {
            "find locations": 1,
            "find contacts": 1,
            "aggregate contacts": 1,  # count_documents
            "find users": 1,
        }
    )
