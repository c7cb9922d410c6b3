"""Rotating and revoking API keys: an old key stops working at once."""

from __future__ import annotations

from tests.support.api import Api
from tests.support.settings import ADMIN_TOKEN
from tests.support.tenants import new_tenant, snapshot

LOCATION = "{ location { id } }"
ROTATE = "mutation { rotateApiKey }"
REVOKE = "mutation($id: ID!) { revokeApiKey(locationId: $id) }"
ISSUE = "mutation($id: ID!) { issueApiKey(locationId: $id) }"


async def test_rotating_gives_a_new_key_and_the_old_one_stops_at_once(
    api: Api,
) -> None:
    tenant = await new_tenant(api)

    data = await api.call(tenant.key, ROTATE)

    new_key = data["rotateApiKey"]
    assert new_key.startswith("obg_")
    assert new_key != tenant.key
    old = await api.post(tenant.key, LOCATION)
    assert old.status_code == 401
    assert old.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await api.call(new_key, LOCATION))["location"]["id"] == tenant.id


async def test_only_a_hash_of_a_rotated_key_is_stored(api: Api) -> None:
    tenant = await new_tenant(api)

    new_key = (await api.call(tenant.key, ROTATE))["rotateApiKey"]

    stored = repr(await snapshot(api))
    assert new_key not in stored
    assert new_key.removeprefix("obg_") not in stored


async def test_rotating_one_locations_key_leaves_the_others_alone(
    api: Api,
) -> None:
    mine = await new_tenant(api, "Mine")
    theirs = await new_tenant(api, "Theirs")

    await api.call(mine.key, ROTATE)

    assert (await api.call(theirs.key, LOCATION))["location"]["id"] == theirs.id


async def test_the_admin_token_has_no_key_to_rotate(api: Api) -> None:
    await new_tenant(api)
    before = await snapshot(api)

    error = await api.fail(ADMIN_TOKEN, ROTATE)

    assert error["extensions"]["code"] == "FORBIDDEN"
    assert await snapshot(api) == before


async def test_the_admin_revokes_a_key_and_it_stops_at_once(api: Api) -> None:
    mine = await new_tenant(api, "Mine")
    theirs = await new_tenant(api, "Theirs")

    data = await api.call(ADMIN_TOKEN, REVOKE, id=mine.id)

    assert data["revokeApiKey"] is True
    revoked = await api.post(mine.key, LOCATION)
    assert revoked.status_code == 401
    assert revoked.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await api.call(theirs.key, LOCATION))["location"]["id"] == theirs.id


async def test_a_location_may_not_revoke_even_its_own_key(api: Api) -> None:
    tenant = await new_tenant(api)
    before = await snapshot(api)

    error = await api.fail(tenant.key, REVOKE, id=tenant.id)

    assert error["extensions"]["code"] == "FORBIDDEN"
    assert await snapshot(api) == before
    assert (await api.call(tenant.key, LOCATION))["location"]["id"] == tenant.id


async def test_revoking_an_unknown_location_is_not_found(api: Api) -> None:
    await new_tenant(api)
    before = await snapshot(api)

    for unknown in ("000000000000000000000000", "not-an-id"):
        error = await api.fail(ADMIN_TOKEN, REVOKE, id=unknown)

        assert error["extensions"] == {"code": "NOT_FOUND", "field": "locationId"}
    assert await snapshot(api) == before


async def test_a_revoked_key_cannot_rotate_itself_back(
    api: Api,
) -> None:
    tenant = await new_tenant(api)
    await api.call(ADMIN_TOKEN, REVOKE, id=tenant.id)

    response = await api.post(tenant.key, ROTATE)

    assert response.status_code == 401


async def test_rotating_beside_another_field_is_refused_and_the_key_kept(
    api: Api,
) -> None:
    """Were it run, a failing sibling could null the answer, new key and all."""
    tenant = await new_tenant(api)
    before = await snapshot(api)

    error = await api.fail(
        tenant.key,
        'mutation { rotateApiKey createContact(name: "", phone: "x") { id } }',
    )

    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "rotateApiKey" in error["message"]
    assert await snapshot(api) == before
    assert (await api.call(tenant.key, LOCATION))["location"]["id"] == tenant.id


async def test_rotating_twice_in_one_mutation_is_refused(api: Api) -> None:
    tenant = await new_tenant(api)

    error = await api.fail(
        tenant.key,
        "mutation { a: rotateApiKey ...More } fragment More on Mutation { b: rotateApiKey }",
    )

    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert (await api.call(tenant.key, LOCATION))["location"]["id"] == tenant.id


async def test_the_admin_issues_a_new_key_after_a_revocation(api: Api) -> None:
    tenant = await new_tenant(api)
    await api.call(ADMIN_TOKEN, REVOKE, id=tenant.id)

    issued = (await api.call(ADMIN_TOKEN, ISSUE, id=tenant.id))["issueApiKey"]

    assert issued.startswith("obg_")
    assert (await api.call(issued, LOCATION))["location"]["id"] == tenant.id
    assert (await api.post(tenant.key, LOCATION)).status_code == 401


async def test_only_the_admin_issues_keys(api: Api) -> None:
    tenant = await new_tenant(api)
    before = await snapshot(api)

    error = await api.fail(tenant.key, ISSUE, id=tenant.id)

    assert error["extensions"]["code"] == "FORBIDDEN"
    assert await snapshot(api) == before


async def test_issuing_for_an_unknown_location_is_not_found(api: Api) -> None:
    before = await snapshot(api)

    error = await api.fail(ADMIN_TOKEN, ISSUE, id="000000000000000000000000")

    assert error["extensions"] == {"code": "NOT_FOUND", "field": "locationId"}
    assert await snapshot(api) == before
