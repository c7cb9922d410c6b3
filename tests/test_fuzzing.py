"""Queries and mutations generated from the schema, with random arguments,
sent with one location's key while another location holds data too.

Whatever is generated, the gateway never answers with a 5xx or an
INTERNAL_SERVER_ERROR, never shows the other location's data, never
changes it, and every cached selection ends equal to the live one.

Arguments are drawn from what makes a request interesting rather than
from noise alone: ids of both locations' records, numbers of the pool,
small and huge page sizes, and arbitrary text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, nodes, queries

from gateway.store import Store
from resolvers.schema import build_schema
from tests.support.api import Api, open_api
from tests.support.caches import stale_selections
from tests.support.settings import make_settings
from tests.support.tenants import (
    Tenant,
    add_numbers,
    create_contact,
    create_user,
    new_tenant,
)

# Enough to meet every field and most refusals in a few seconds.
QUERY_EXAMPLES = 40
MUTATION_EXAMPLES = 100

FRONT, RIVERA, CAMPAIGN = "+12025550143", "+14155550100", "+12125550199"
# Only the other location has this number, and names made of this word.
THEIR_NUMBER = "+13035550177"
THEIR_WORD = "Zebulon"
# Codes an answer may carry; INTERNAL_SERVER_ERROR is not among them.
EXPECTED_CODES = {
    "BAD_USER_INPUT",
    "NOT_FOUND",
    "CONFLICT",
    "FORBIDDEN",
    "GRAPHQL_VALIDATION_FAILED",
    "QUERY_TOO_COMPLEX",
}

T = TypeVar("T")


@dataclass
class World:
    """My location, which the requests use, and theirs, which they must not
    reach. `their_records` are the ids of their contact and user, whose
    fields would show their traces; `their_traces` are strings that only
    their records hold."""

    mine: Tenant
    key: str
    my_ids: list[str]
    theirs: Tenant
    their_ids: list[str]
    their_records: list[str]
    their_traces: list[str] = field(default_factory=list)


@pytest.fixture
async def api(store: Store) -> Any:
    # The fuzzing is about what requests do, not how many may come.
    api = await open_api(make_settings(rate_limit="1000000/minute"), store)
    yield api
    await api.drain()
    await api.close()


@pytest.fixture
async def world(api: Api) -> World:
    mine = await new_tenant(api, "Harbor Dental")
    await add_numbers(api, mine, FRONT, RIVERA, CAMPAIGN)
    await api.call(
        mine.key, f'mutation {{ setDefaultOutboundNumber(number: "{FRONT}") {{ id }} }}'
    )
    ana = await create_user(api, mine, "Ana Rivera", RIVERA)
    bo = await create_user(api, mine, "Bo Chen")
    my_contacts = [
        await create_contact(api, mine, "Carla", "+13105550123", ana),
        await create_contact(api, mine, "Dev", "+16175550111", bo),
        await create_contact(api, mine, "Eve", "+16175550112"),
    ]

    theirs = await new_tenant(api, f"{THEIR_WORD} Clinic")
    await add_numbers(api, theirs, THEIR_NUMBER)
    their_user = await create_user(api, theirs, f"{THEIR_WORD} User", THEIR_NUMBER)
    their_contact = await create_contact(
        api, theirs, f"{THEIR_WORD} Contact", "+17205550166", their_user
    )
    await api.call(
        theirs.key,
        "mutation($id: ID!, $from: String!) {"
        " recordOutboundMessage(contactId: $id, fromNumber: $from) { id } }",
        id=their_contact,
        **{"from": THEIR_NUMBER},
    )
    job = await api.call(theirs.key, "mutation { recomputeSelections { id } }")
    await api.drain()

    their_ids = [theirs.id, their_user, their_contact, job["recomputeSelections"]["id"]]
    return World(
        their_records=[their_contact, their_user],
        mine=mine,
        key=mine.key,
        my_ids=[mine.id, ana, bo, *my_contacts],
        theirs=theirs,
        their_ids=their_ids,
        their_traces=[*their_ids, THEIR_WORD, THEIR_NUMBER, "+17205550166"],
    )


def _arguments(world: World) -> dict[str, st.SearchStrategy[Any]]:
    """Strategies for the scalars, keyed by scalar name."""
    # The other location's ids half the time: those are the ones to try.
    ids = st.one_of(
        st.sampled_from(world.their_ids),
        st.sampled_from(world.their_records),
        st.sampled_from(world.my_ids),
        st.one_of(
            st.text(alphabet="0123456789abcdef", min_size=24, max_size=24),
            st.text(max_size=30),
        ),
    )
    strings = st.one_of(
        st.sampled_from([FRONT, RIVERA, CAMPAIGN, "(202) 555-0143"]),
        st.integers(0, 9999).map(lambda n: f"+1617555{n:04d}"),
        st.sampled_from(["Ana", "Bo Chen", "ana@example.com", "", "  "]),
        st.text(max_size=40),
        st.text(min_size=190, max_size=260),
    )
    ints = st.one_of(st.integers(-5, 150), st.integers(-(2**31), 2**31 - 1))
    return {
        "ID": ids.map(nodes.String),
        "String": strings.map(nodes.String),
        "Int": ints.map(nodes.Int),
    }


async def _their_records(api: Api, world: World) -> dict[str, list[Any]]:
    """Everything the other location holds, to show it never changes."""
    database = api.runtime.store.database
    names = sorted(await database.list_collection_names())
    return {
        name: [
            doc
            for doc in await database[name].find({}).sort("_id", 1).to_list(None)
            if world.theirs.id in repr(doc)
        ]
        for name in names
    }


async def _send(api: Api, world: World, document: str) -> str:
    """The answer's body, once sure it is one the gateway may give."""
    response = await api.post(world.key, document)

    assert response.status_code == 200, (document, response.text)
    body = response.json()
    for error in body.get("errors", []):
        assert error["extensions"]["code"] in EXPECTED_CODES, (document, error)
    for trace in world.their_traces:
        if trace not in document:
            assert trace not in response.text, (document, response.text)

    rotated = (body.get("data") or {}).get("rotateApiKey")
    if rotated is not None:
        world.key = rotated
    return response.text


async def _assert_same_as_for_unknown_ids(
    api: Api, world: World, document: str, answer: str
) -> None:
    """A query naming the other location's ids is answered exactly as if
    no record had those ids: not even the kind of refusal may differ."""
    unknown = {
        their_id: f"{index:024x}" for index, their_id in enumerate(world.their_ids, 1)
    }
    if not any(their_id in document for their_id in unknown):
        return

    for their_id, unknown_id in unknown.items():
        document = document.replace(their_id, unknown_id)
    answer_for_unknown = await _send(api, world, document)

    for their_id, unknown_id in unknown.items():
        answer_for_unknown = answer_for_unknown.replace(unknown_id, their_id)
    assert answer_for_unknown == answer, document


async def _assert_caches_are_live(api: Api, world: World) -> None:
    await api.drain()
    store = api.runtime.store
    assert await stale_selections(store, world.mine.id) == []
    assert await stale_selections(store, world.theirs.id) == []


async def _fuzz(
    api: Api,
    world: World,
    strategy: st.SearchStrategy[str],
    examples: int,
    writes: bool,
) -> None:
    """Send `examples` documents. After a mutation, the caches are checked
    at once; a query writes nothing, so it is compared instead with the same
    query for unknown ids. Hypothesis runs on a thread of its own: each
    example waits there for its requests, sent on this test's event loop."""
    loop = asyncio.get_running_loop()

    def on_loop(coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result()

    async def send_and_check(document: str) -> None:
        answer = await _send(api, world, document)
        if writes:
            await _assert_caches_are_live(api, world)
        else:
            await _assert_same_as_for_unknown_ids(api, world, document, answer)

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(document=strategy)
    def send(document: str) -> None:
        on_loop(send_and_check(document))

    their_records = await _their_records(api, world)
    await asyncio.to_thread(send)
    await _assert_caches_are_live(api, world)
    assert await _their_records(api, world) == their_records


SCHEMA = build_schema()._schema
assert SCHEMA.query_type is not None
assert SCHEMA.mutation_type is not None


@pytest.mark.parametrize("field", sorted(SCHEMA.query_type.fields))
async def test_generated_queries_are_safe(api: Api, world: World, field: str) -> None:
    # One test per field, so that each gets its share of examples.
    strategy = queries(
        SCHEMA, fields=[field], custom_scalars=_arguments(world), allow_x00=False
    )

    await _fuzz(api, world, strategy, QUERY_EXAMPLES, writes=False)


async def test_generated_mutations_are_safe(api: Api, world: World) -> None:
    arguments = _arguments(world)
    # Mostly one field at a time, so that more of them get to write.
    strategy = st.one_of(
        *(
            mutations(SCHEMA, fields=[name], custom_scalars=arguments, allow_x00=False)
            for name in SCHEMA.mutation_type.fields
        ),
        mutations(SCHEMA, custom_scalars=arguments, allow_x00=False),
    )

    await _fuzz(api, world, strategy, MUTATION_EXAMPLES, writes=True)
