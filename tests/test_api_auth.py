"""Who may call what: keys, the admin token, and their refusals."""

from __future__ import annotations

from tests.support.api import Api
from tests.support.settings import ADMIN_TOKEN
from tests.support.tenants import CREATE_LOCATION, new_tenant, snapshot

LOCATION = "{ location { id name } }"


async def test_a_request_without_a_key_is_refused_with_401(api: Api) -> None:
    response = await api.post(None, LOCATION)

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_an_unknown_key_is_refused_with_401(api: Api) -> None:
    await new_tenant(api)

    response = await api.post("obg_not-a-key-anybody-holds", LOCATION)

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_malformed_authorization_header_is_refused_with_401(api: Api) -> None:
    response = await api.http.post(
        "/graphql", json={"query": LOCATION}, headers={"Authorization": "Basic abc"}
    )

    assert response.status_code == 401


async def test_the_admin_creates_a_location_whose_key_then_works(api: Api) -> None:
    tenant = await new_tenant(api, "Harbor Dental")

    data = await api.call(tenant.key, LOCATION)

    assert data["location"] == {"id": tenant.id, "name": "Harbor Dental"}
    assert tenant.key.startswith("obg_")


async def test_only_a_hash_of_the_key_is_stored(api: Api) -> None:
    tenant = await new_tenant(api)

    stored = await snapshot(api)

    assert tenant.key not in repr(stored)


async def test_a_location_key_may_not_create_locations(api: Api) -> None:
    tenant = await new_tenant(api)
    before = await snapshot(api)

    error = await api.fail(tenant.key, CREATE_LOCATION, name="Intruder")

    assert error["extensions"]["code"] == "FORBIDDEN"
    assert await snapshot(api) == before


async def test_the_admin_token_may_not_read_a_location(api: Api) -> None:
    error = await api.fail(ADMIN_TOKEN, LOCATION)

    assert error["extensions"]["code"] == "FORBIDDEN"


async def test_a_location_name_must_not_be_blank(api: Api) -> None:
    before = await snapshot(api)

    error = await api.fail(ADMIN_TOKEN, CREATE_LOCATION, name="   ")

    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert await snapshot(api) == before


async def test_every_response_carries_a_request_id(api: Api) -> None:
    tenant = await new_tenant(api)

    response = await api.post(tenant.key, LOCATION)

    assert len(response.headers["x-request-id"]) >= 8


async def test_the_graphiql_page_is_served_without_a_key(api: Api) -> None:
    response = await api.http.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
