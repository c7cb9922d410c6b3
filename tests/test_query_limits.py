"""The limits on a query's shape: each refuses with QUERY_TOO_COMPLEX, names
the limit it went over, runs nothing, and leaves queries within it alone."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.settings import Settings
from gateway.store import Store
from tests.support.api import Api, open_api
from tests.support.tenants import Tenant, create_contact, new_tenant, snapshot

# A mutation that would write, so that a refusal can be seen to write nothing.
CREATE = 'createContact(name: "Dev", phone: "+16175550111") { id }'


@pytest.fixture
async def tenant(api: Api) -> Tenant:
    tenant = await new_tenant(api)
    await create_contact(api, tenant, "Carla", "+13105550123")
    return tenant


async def _refused(api: Api, key: str, document: str, **variables: Any) -> str:
    """The limit a request went over, once sure that it wrote nothing."""
    before = await snapshot(api)

    response = await api.post(key, document, **variables)

    body = response.json()
    assert response.status_code == 200, body
    assert body["data"] is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX", error
    assert await snapshot(api) == before
    limit: str = error["extensions"]["limit"]
    return limit


async def test_a_query_ten_levels_deep_runs(api: Api, tenant: Tenant) -> None:
    document = "{ contacts(first: 5) { edges { node { assignedUser { contacts(first: 5) { edges { node { assignedUser { contacts { totalCount } } } } } } } } } }"

    response = await api.post(tenant.key, document)

    assert "errors" not in response.json()


async def test_a_query_deeper_than_the_limit_is_refused(
    api: Api, tenant: Tenant
) -> None:
    document = "{ contacts { edges { node { assignedUser { contacts { edges { node { assignedUser { contacts { pageInfo { hasNextPage } } } } } } } } } } }"

    assert await _refused(api, tenant.key, document) == "depth"


async def test_depth_counts_the_fields_inside_fragments(
    api: Api, tenant: Tenant
) -> None:
    document = """
    mutation { createContact(name: "Dev", phone: "+16175550111") { ...Deep } }
    fragment Deep on Contact { assignedUser { contacts { ...Edges } } }
    fragment Edges on ContactConnection {
      edges { node { assignedUser { contacts { edges { node { assignedUser { id } } } } } } }
    }
    """

    assert await _refused(api, tenant.key, document) == "depth"


async def test_twenty_aliases_are_allowed(api: Api, tenant: Tenant) -> None:
    document = "{ " + " ".join(f"a{i}: location {{ id }}" for i in range(20)) + " }"

    response = await api.post(tenant.key, document)

    assert "errors" not in response.json()


async def test_an_alias_flood_is_refused(api: Api, tenant: Tenant) -> None:
    document = "mutation { " + " ".join(f"a{i}: {CREATE}" for i in range(21)) + " }"

    assert await _refused(api, tenant.key, document) == "aliases"


async def test_a_field_repeated_over_and_over_counts_as_aliases(
    api: Api, tenant: Tenant
) -> None:
    # The first is asked for; the other 21 are repeats.
    document = "{ " + "location { id } " * 22 + "}"

    assert await _refused(api, tenant.key, document) == "aliases"


async def test_a_document_with_too_many_tokens_is_refused_before_parsing(
    api: Api, tenant: Tenant
) -> None:
    # Ends in a syntax error: only a count made before parsing sees the
    # size first.
    document = "mutation { " + CREATE + " location { " + "id " * 1000 + "} "

    assert await _refused(api, tenant.key, document) == "tokens"


async def test_nested_pages_are_refused_by_their_cost(api: Api, tenant: Tenant) -> None:
    document = "{ users { contacts(first: 100) { edges { node { id name } } } } }"

    assert await _refused(api, tenant.key, document) == "cost"


async def test_a_huge_first_inside_a_nested_list_is_refused_by_its_cost(
    api: Api, tenant: Tenant
) -> None:
    document = f"""
    mutation {{
      {CREATE}
      recordOutboundMessage(contactId: "000000000000000000000000", fromNumber: "+1") {{
        assignedUser {{ contacts(first: 100) {{
          edges {{ node {{ assignedUser {{ contacts(first: 1000000) {{
            edges {{ node {{ id }} }}
          }} }} }} }}
        }} }}
      }}
    }}
    """

    assert await _refused(api, tenant.key, document) == "cost"


async def test_the_cost_reads_first_from_the_variables(
    api: Api, tenant: Tenant
) -> None:
    document = """
    query($outer: Int, $inner: Int) {
      contacts(first: $outer) { edges { node {
        assignedUser { contacts(first: $inner) { edges { node { id } } } }
      } } }
    }
    """

    small = await api.post(tenant.key, document, outer=3, inner=3)
    assert "errors" not in small.json()

    assert await _refused(api, tenant.key, document, outer=100, inner=100) == "cost"


async def test_the_users_list_counts_as_long_as_it_can_be(
    api: Api, tenant: Tenant
) -> None:
    # Twenty contacts for each of up to 1,000 users, not each of 100.
    document = "{ users { contacts(first: 20) { edges { node { id } } } } }"

    assert await _refused(api, tenant.key, document) == "cost"


async def test_a_full_page_of_contacts_with_their_selections_is_within_the_cost(
    api: Api, tenant: Tenant
) -> None:
    document = """
    { contacts(first: 100) { totalCount pageInfo { hasNextPage endCursor } edges {
      cursor node { id name phone lastOutboundNumber lastContactedAt outboundNumber
        outboundSelection { number reason explanation }
        assignedUser { id name email inboundNumber } } } } }
    """

    response = await api.post(tenant.key, document)

    assert "errors" not in response.json()


async def test_a_fragment_spread_billions_of_times_is_measured_once(
    api: Api, tenant: Tenant
) -> None:
    """Each fragment spreads the next ten times: walked spread by spread,
    measuring this document would take hours; measured fragment by
    fragment it takes a moment, and its cost is far over the limit."""
    levels = 10
    fragments = [
        f"fragment F{i} on User {{ {' '.join([f'...F{i + 1}'] * 10)} }}"
        for i in range(levels - 1)
    ]
    fragments.append(f"fragment F{levels - 1} on User {{ id name }}")
    document = "{ users { ...F0 } } " + " ".join(fragments)

    assert await _refused(api, tenant.key, document) == "cost"


async def test_a_fragment_cycle_is_a_validation_error(api: Api, tenant: Tenant) -> None:
    document = """
    { location { ...A } }
    fragment A on Location { id ...B }
    fragment B on Location { name ...A }
    """

    error = await api.fail(tenant.key, document)

    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


@pytest.mark.parametrize(
    ("limit", "value", "document"),
    [
        ("depth", 3, "{ contacts { edges { node { id } } } }"),
        ("aliases", 1, "{ a: location { id } b: location { id } }"),
        ("tokens", 100, "{ " + "a: location { id } " * 20 + "}"),
        ("cost", 100, "{ contacts(first: 60) { edges { node { id } } } }"),
    ],
)
async def test_each_limit_is_a_setting(
    settings: Settings, store: Store, limit: str, value: int, document: str
) -> None:
    limited = settings.model_copy(update={f"max_query_{limit}": value})
    api = await open_api(limited, store)
    try:
        tenant = await new_tenant(api)

        assert await _refused(api, tenant.key, document) == limit
    finally:
        await api.close()
