"""Users and contacts through the API: selections right the moment a
mutation returns, and bad input refused with nothing written."""

from __future__ import annotations

import pytest

from tests.support.api import Api
from tests.support.caches import stale_selections
from tests.support.tenants import (
    Tenant,
    add_numbers,
    create_contact,
    create_user,
    new_tenant,
    snapshot,
)

FRONT = "+12025550143"
RIVERA = "+14155550100"
CAMPAIGN = "+12125550199"

SELECTION = "outboundNumber outboundSelection { number reason explanation }"
ASSIGN = f"""
mutation($contact: ID!, $user: ID) {{
  assignContact(contactId: $contact, userId: $user) {{ assignedUser {{ name }} {SELECTION} }}
}}
"""
RECORD = f"""
mutation($contact: ID!, $from: String!) {{
  recordOutboundMessage(contactId: $contact, fromNumber: $from) {{
    lastOutboundNumber lastContactedAt {SELECTION}
  }}
}}
"""
SET_INBOUND = """
mutation($user: ID!, $n: String) { setUserInboundNumber(userId: $user, number: $n) { inboundNumber } }
"""
REASSIGN = "mutation($ids: [ID!]!, $user: ID) { reassignContacts(contactIds: $ids, userId: $user) }"


@pytest.fixture
async def tenant(api: Api) -> Tenant:
    tenant = await new_tenant(api)
    await add_numbers(api, tenant, FRONT, RIVERA, CAMPAIGN)
    await api.call(
        tenant.key,
        'mutation { setDefaultOutboundNumber(number: "+12025550143") { id } }',
    )
    return tenant


async def test_a_new_contact_gets_the_default_number(api: Api, tenant: Tenant) -> None:
    data = await api.call(
        tenant.key,
        f'mutation {{ createContact(name: "Dev", phone: "617-555-0111") {{ phone {SELECTION} }} }}',
    )

    contact = data["createContact"]
    assert contact["phone"] == "+16175550111"
    assert contact["outboundSelection"]["reason"] == "DEFAULT_OUTBOUND"
    assert contact["outboundNumber"] == FRONT


async def test_assigning_to_a_user_with_an_inbound_number_selects_it(
    api: Api, tenant: Tenant
) -> None:
    user = await create_user(api, tenant, "Ana Rivera", RIVERA)
    contact = await create_contact(api, tenant, "Carla", "+13105550123")

    data = await api.call(tenant.key, ASSIGN, contact=contact, user=user)

    assigned = data["assignContact"]
    assert assigned["assignedUser"] == {"name": "Ana Rivera"}
    assert assigned["outboundSelection"]["number"] == RIVERA
    assert assigned["outboundSelection"]["reason"] == "ASSIGNED_USER_INBOUND"
    assert "Ana Rivera" in assigned["outboundSelection"]["explanation"]
    assert await stale_selections(api.runtime.store, tenant.id) == []


async def test_the_number_used_last_time_wins_over_the_default(
    api: Api, tenant: Tenant
) -> None:
    contact = await create_contact(api, tenant, "Dev", "+16175550111")

    data = await api.call(tenant.key, RECORD, contact=contact, **{"from": CAMPAIGN})

    recorded = data["recordOutboundMessage"]
    assert recorded["lastOutboundNumber"] == CAMPAIGN
    assert recorded["lastContactedAt"] is not None
    assert recorded["outboundSelection"]["reason"] == "PREVIOUS_NUMBER"
    assert await stale_selections(api.runtime.store, tenant.id) == []


async def test_a_later_message_does_not_beat_the_assigned_users_inbound_number(
    api: Api, tenant: Tenant
) -> None:
    user = await create_user(api, tenant, "Ana Rivera", RIVERA)
    contact = await create_contact(api, tenant, "Carla", "+13105550123", user)

    data = await api.call(tenant.key, RECORD, contact=contact, **{"from": CAMPAIGN})

    assert data["recordOutboundMessage"]["outboundNumber"] == RIVERA


async def test_releasing_the_previous_number_falls_back_to_the_default_after_recompute(
    api: Api, tenant: Tenant
) -> None:
    contact = await create_contact(api, tenant, "Dev", "+16175550111")
    await api.call(tenant.key, RECORD, contact=contact, **{"from": CAMPAIGN})

    await api.call(
        tenant.key, 'mutation { releasePhoneNumber(number: "+12125550199") { id } }'
    )
    live = await api.call(
        tenant.key,
        "query($id: ID!) { contact(id: $id) { " + SELECTION + " } }",
        id=contact,
    )
    await api.drain()

    selection = live["contact"]["outboundSelection"]
    assert selection["number"] == FRONT
    assert "+12125550199, has been released" in selection["explanation"]
    assert await stale_selections(api.runtime.store, tenant.id) == []


async def test_changing_a_users_inbound_number_recomputes_their_contacts(
    api: Api, tenant: Tenant
) -> None:
    user = await create_user(api, tenant, "Ana Rivera", RIVERA)
    contacts = [
        await create_contact(api, tenant, f"Contact {i}", f"+1617555{i:04d}", user)
        for i in range(5)
    ]

    await api.call(tenant.key, SET_INBOUND, user=user, n=CAMPAIGN)
    await api.drain()

    filtered = await api.call(
        tenant.key,
        'query { contacts(filter: {outboundNumber: "+12125550199"}) { totalCount } }',
    )
    assert filtered["contacts"]["totalCount"] == len(contacts)
    assert await stale_selections(api.runtime.store, tenant.id) == []


async def test_an_inbound_number_outside_the_pool_is_bad_input(
    api: Api, tenant: Tenant
) -> None:
    user = await create_user(api, tenant, "Ana Rivera")
    before = await snapshot(api)

    error = await api.fail(tenant.key, SET_INBOUND, user=user, n="+16175550000")

    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert await snapshot(api) == before


async def test_creating_a_user_with_a_released_inbound_number_is_bad_input(
    api: Api, tenant: Tenant
) -> None:
    await api.call(
        tenant.key, 'mutation { releasePhoneNumber(number: "+12125550199") { id } }'
    )
    await api.drain()
    before = await snapshot(api)

    error = await api.fail(
        tenant.key,
        'mutation { createUser(name: "Ben", inboundNumber: "+12125550199") { id } }',
    )

    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert await snapshot(api) == before


async def test_an_invalid_email_is_bad_input(api: Api, tenant: Tenant) -> None:
    before = await snapshot(api)

    error = await api.fail(
        tenant.key, 'mutation { createUser(name: "Ben", email: "ben") { id } }'
    )

    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert await snapshot(api) == before


async def test_a_contact_with_a_phone_another_contact_has_is_a_conflict(
    api: Api, tenant: Tenant
) -> None:
    await create_contact(api, tenant, "Dev", "+16175550111")
    before = await snapshot(api)

    error = await api.fail(
        tenant.key,
        'mutation { createContact(name: "Dev again", phone: "(617) 555-0111") { id } }',
    )

    assert error["extensions"]["code"] == "CONFLICT"
    assert await snapshot(api) == before


async def test_a_contact_with_an_invalid_phone_is_bad_input(
    api: Api, tenant: Tenant
) -> None:
    before = await snapshot(api)

    error = await api.fail(
        tenant.key, 'mutation { createContact(name: "X", phone: "12") { id } }'
    )

    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "phone"
    assert await snapshot(api) == before


async def test_recording_a_message_from_a_number_outside_the_pool_is_bad_input(
    api: Api, tenant: Tenant
) -> None:
    contact = await create_contact(api, tenant, "Dev", "+16175550111")
    before = await snapshot(api)

    error = await api.fail(
        tenant.key, RECORD, contact=contact, **{"from": "+16175550000"}
    )

    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "fromNumber"
    assert await snapshot(api) == before


async def test_assigning_to_an_unknown_user_is_not_found(
    api: Api, tenant: Tenant
) -> None:
    contact = await create_contact(api, tenant, "Dev", "+16175550111")
    before = await snapshot(api)

    error = await api.fail(tenant.key, ASSIGN, contact=contact, user="0" * 24)

    assert error["extensions"]["code"] == "NOT_FOUND"
    assert await snapshot(api) == before


async def test_reassigning_counts_only_the_contacts_that_changed_hands(
    api: Api, tenant: Tenant
) -> None:
    ana = await create_user(api, tenant, "Ana Rivera", RIVERA)
    already = await create_contact(api, tenant, "Carla", "+13105550123", ana)
    others = [
        await create_contact(api, tenant, f"C{i}", f"+1617555{i:04d}") for i in range(3)
    ]

    data = await api.call(
        tenant.key, REASSIGN, ids=[already, *others, others[0]], user=ana
    )

    assert data["reassignContacts"] == 3
    page = await api.call(
        tenant.key,
        "query($u: ID!) { contacts(filter: {assignedUserId: $u}) { totalCount } }",
        u=ana,
    )
    assert page["contacts"]["totalCount"] == 4
    assert await stale_selections(api.runtime.store, tenant.id) == []


async def test_reassigning_with_one_unknown_id_writes_nothing(
    api: Api, tenant: Tenant
) -> None:
    ana = await create_user(api, tenant, "Ana Rivera", RIVERA)
    contact = await create_contact(api, tenant, "Carla", "+13105550123")
    before = await snapshot(api)

    error = await api.fail(tenant.key, REASSIGN, ids=[contact, "f" * 24], user=ana)

    assert error["extensions"]["code"] == "NOT_FOUND"
    assert await snapshot(api) == before


async def test_contacts_page_in_order_with_cursors_and_a_total(
    api: Api, tenant: Tenant
) -> None:
    ids = [
        await create_contact(api, tenant, f"C{i}", f"+1617555{i:04d}") for i in range(5)
    ]
    query = """
    query($after: String) {
      contacts(first: 2, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { id } }
      }
    }
    """

    seen, after, pages = [], None, 0
    while True:
        page = (await api.call(tenant.key, query, after=after))["contacts"]
        assert page["totalCount"] == 5
        seen += [edge["node"]["id"] for edge in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert seen == ids
    assert pages == 3


async def test_filters_by_assignment_and_by_cached_reason(
    api: Api, tenant: Tenant
) -> None:
    ana = await create_user(api, tenant, "Ana Rivera", RIVERA)
    await create_contact(api, tenant, "Carla", "+13105550123", ana)
    await create_contact(api, tenant, "Dev", "+16175550111")
    query = """
    query($f: ContactFilter) { contacts(filter: $f) { edges { node { name } } } }
    """

    unassigned = await api.call(tenant.key, query, f={"unassigned": True})
    assigned = await api.call(tenant.key, query, f={"unassigned": False})
    by_reason = await api.call(tenant.key, query, f={"reason": "ASSIGNED_USER_INBOUND"})

    assert [e["node"]["name"] for e in unassigned["contacts"]["edges"]] == ["Dev"]
    assert [e["node"]["name"] for e in assigned["contacts"]["edges"]] == ["Carla"]
    assert [e["node"]["name"] for e in by_reason["contacts"]["edges"]] == ["Carla"]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ("first: -1", "first"),
        ("first: 101", "first"),
        ('after: "bm90IGEgY3Vyc29y"', "after"),
    ],
)
async def test_bad_paging_arguments_are_bad_input(
    api: Api, tenant: Tenant, arguments: str, field: str
) -> None:
    error = await api.fail(tenant.key, f"{{ contacts({arguments}) {{ totalCount }} }}")

    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}


async def test_a_users_contacts_are_a_connection_too(api: Api, tenant: Tenant) -> None:
    ana = await create_user(api, tenant, "Ana Rivera", RIVERA)
    await create_contact(api, tenant, "Carla", "+13105550123", ana)
    await create_contact(api, tenant, "Dev", "+16175550111")

    data = await api.call(
        tenant.key,
        "query($id: ID!) { user(id: $id) { name contacts { totalCount edges { node { name } } } } }",
        id=ana,
    )

    assert data["user"]["contacts"]["totalCount"] == 1
    assert data["user"]["contacts"]["edges"][0]["node"]["name"] == "Carla"
