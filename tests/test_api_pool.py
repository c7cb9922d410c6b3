"""The pool of numbers and the default outbound number, through the API."""

from __future__ import annotations

import pytest

from tests.support.api import Api
from tests.support.tenants import Tenant, add_numbers, new_tenant, snapshot

ADD = """
mutation($number: String!, $label: String) {
  addPhoneNumber(number: $number, label: $label) { id number label status }
}
"""
RELEASE = "mutation($n: String!) { releasePhoneNumber(number: $n) { number status } }"
SET_DEFAULT = "mutation($n: String) { setDefaultOutboundNumber(number: $n) { defaultOutboundNumber } }"


@pytest.fixture
async def tenant(api: Api) -> Tenant:
    return await new_tenant(api)


async def test_numbers_are_stored_in_e164_whatever_format_they_came_in(
    api: Api, tenant: Tenant
) -> None:
    data = await api.call(tenant.key, ADD, number="(202) 555-0143", label="Front desk")

    added = data["addPhoneNumber"]
    assert (added["number"], added["label"], added["status"]) == (
        "+12025550143",
        "Front desk",
        "ACTIVE",
    )
    listed = await api.call(tenant.key, "{ phoneNumbers { number } }")
    assert listed["phoneNumbers"] == [{"number": "+12025550143"}]


@pytest.mark.parametrize("number", ["not a number", "+1 555", "+1555555010", "9" * 500])
async def test_an_invalid_number_is_bad_input_and_nothing_is_written(
    api: Api, tenant: Tenant, number: str
) -> None:
    before = await snapshot(api)

    error = await api.fail(tenant.key, ADD, number=number)

    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "number"
    assert await snapshot(api) == before


async def test_adding_a_number_the_pool_has_is_a_conflict(
    api: Api, tenant: Tenant
) -> None:
    await add_numbers(api, tenant, "+12025550143")
    before = await snapshot(api)

    error = await api.fail(tenant.key, ADD, number="202-555-0143")

    assert error["extensions"]["code"] == "CONFLICT"
    assert await snapshot(api) == before


async def test_a_released_number_added_again_becomes_active(
    api: Api, tenant: Tenant
) -> None:
    await add_numbers(api, tenant, "+12025550143")
    await api.call(tenant.key, RELEASE, n="+12025550143")

    data = await api.call(tenant.key, ADD, number="+12025550143", label="Back")

    assert data["addPhoneNumber"]["status"] == "ACTIVE"
    assert data["addPhoneNumber"]["label"] == "Back"


async def test_releasing_a_number_twice_changes_nothing_the_second_time(
    api: Api, tenant: Tenant
) -> None:
    await add_numbers(api, tenant, "+12025550143")
    await api.call(tenant.key, RELEASE, n="+12025550143")
    await api.drain()
    before = await snapshot(api)

    data = await api.call(tenant.key, RELEASE, n="+12025550143")

    assert data["releasePhoneNumber"]["status"] == "RELEASED"
    assert await snapshot(api) == before


async def test_releasing_a_number_the_pool_lacks_is_not_found(
    api: Api, tenant: Tenant
) -> None:
    before = await snapshot(api)

    error = await api.fail(tenant.key, RELEASE, n="+12025550143")

    assert error["extensions"]["code"] == "NOT_FOUND"
    assert await snapshot(api) == before


async def test_the_default_can_be_set_and_cleared(api: Api, tenant: Tenant) -> None:
    await add_numbers(api, tenant, "+12025550143")

    set_data = await api.call(tenant.key, SET_DEFAULT, n="2025550143")
    cleared = await api.call(tenant.key, SET_DEFAULT, n=None)

    assert (
        set_data["setDefaultOutboundNumber"]["defaultOutboundNumber"] == "+12025550143"
    )
    assert cleared["setDefaultOutboundNumber"]["defaultOutboundNumber"] is None


@pytest.mark.parametrize("released", [False, True], ids=["not in pool", "released"])
async def test_a_default_that_is_not_an_active_pool_number_is_bad_input(
    api: Api, tenant: Tenant, released: bool
) -> None:
    if released:
        await add_numbers(api, tenant, "+12025550143")
        await api.call(tenant.key, RELEASE, n="+12025550143")
        await api.drain()
    before = await snapshot(api)

    error = await api.fail(tenant.key, SET_DEFAULT, n="+12025550143")

    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert await snapshot(api) == before
