"""Channels and capabilities through the API: a number that cannot serve a
channel is skipped for that channel only, and the cache keeps SMS."""

from __future__ import annotations

import pytest

from tests.support.api import Api
from tests.support.caches import stale_selections
from tests.support.tenants import (
    Tenant,
    add_numbers,
    create_contact,
    new_tenant,
    snapshot,
)

TEXTS, CALLS = "+12025550143", "+14155550100"

SET_CAPABILITIES = """
mutation($n: String!, $c: [Channel!]!) {
  setPhoneNumberCapabilities(number: $n, capabilities: $c) { number capabilities }
}
"""
RECORD = """
mutation($id: ID!, $n: String!) { recordOutboundMessage(contactId: $id, fromNumber: $n) { id } }
"""
SELECTIONS = """
query($id: ID!) {
  contact(id: $id) {
    sms: outboundSelection { number reason explanation }
    voice: outboundSelection(channel: VOICE) { number reason }
    voiceNumber: outboundNumber(channel: VOICE)
  }
}
"""


@pytest.fixture
async def tenant(api: Api) -> Tenant:
    tenant = await new_tenant(api)
    await add_numbers(api, tenant, TEXTS, CALLS)
    await api.call(
        tenant.key,
        f'mutation {{ setDefaultOutboundNumber(number: "{TEXTS}") {{ id }} }}',
    )
    return tenant


async def test_a_number_is_added_with_the_channels_it_serves(
    api: Api, tenant: Tenant
) -> None:
    data = await api.call(
        tenant.key,
        'mutation { addPhoneNumber(number: "+12125550199", capabilities: [VOICE]) {'
        " capabilities } }",
    )

    assert data["addPhoneNumber"]["capabilities"] == ["VOICE"]


async def test_each_channel_skips_the_numbers_that_cannot_serve_it(
    api: Api, tenant: Tenant
) -> None:
    contact = await create_contact(api, tenant, "Dev", "+16175550111")
    await api.call(tenant.key, RECORD, id=contact, n=CALLS)

    await api.call(tenant.key, SET_CAPABILITIES, n=CALLS, c=["VOICE"])
    data = await api.call(tenant.key, SELECTIONS, id=contact)
    await api.drain()

    selections = data["contact"]
    assert (selections["sms"]["number"], selections["sms"]["reason"]) == (
        TEXTS,
        "DEFAULT_OUTBOUND",
    )
    assert f"{CALLS}, cannot send SMS" in selections["sms"]["explanation"]
    assert selections["voice"] == {"number": CALLS, "reason": "PREVIOUS_NUMBER"}
    assert selections["voiceNumber"] == CALLS
    # The cache, which bulk sending reads, follows the SMS choice.
    cached = await api.call(
        tenant.key,
        f'{{ contacts(filter: {{outboundNumber: "{TEXTS}"}}) {{ totalCount }} }}',
    )
    assert cached["contacts"]["totalCount"] == 1
    assert await stale_selections(api.runtime.store, tenant.id) == []


async def test_changing_capabilities_queues_a_recompute(
    api: Api, tenant: Tenant
) -> None:
    await api.call(tenant.key, SET_CAPABILITIES, n=CALLS, c=["VOICE"])

    jobs = await api.call(tenant.key, "{ location { recomputeJobs { kind cause } } }")

    assert jobs["location"]["recomputeJobs"][0] == {
        "kind": "POOL",
        "cause": "setPhoneNumberCapabilities",
    }


@pytest.mark.parametrize(
    ("number", "capabilities", "code"),
    [(CALLS, [], "BAD_USER_INPUT"), ("+12125550199", ["SMS"], "NOT_FOUND")],
)
async def test_impossible_capabilities_are_refused_and_nothing_is_written(
    api: Api, tenant: Tenant, number: str, capabilities: list[str], code: str
) -> None:
    before = await snapshot(api)

    error = await api.fail(tenant.key, SET_CAPABILITIES, n=number, c=capabilities)

    assert error["extensions"]["code"] == code
    assert await snapshot(api) == before
