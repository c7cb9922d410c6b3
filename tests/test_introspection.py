"""Introspection and GraphiQL: on while developing, off in production, and
either way as the settings say."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from gateway.store import Store
from tests.support.api import Api, open_api
from tests.support.settings import make_settings
from tests.support.tenants import Tenant, new_tenant

SCHEMA = "{ __schema { queryType { name } } }"
TYPE = '{ __type(name: "Contact") { fields { name } } }'
PRODUCTION = {
    "gateway_env": "production",
    # Never connected to: the tests give the app their own store.
    "mongodb_uri": "mongodb://unused.invalid",
}


@pytest.fixture
async def open_gateway(store: Store) -> AsyncIterator[Any]:
    opened: list[Api] = []

    async def open_gateway(**settings: Any) -> tuple[Api, Tenant]:
        api = await open_api(make_settings(**settings), store)
        opened.append(api)
        return api, await new_tenant(api)

    yield open_gateway
    for api in opened:
        await api.close()


async def test_introspection_works_while_developing(open_gateway: Any) -> None:
    api, tenant = await open_gateway()

    data = await api.call(tenant.key, SCHEMA)

    assert data["__schema"]["queryType"]["name"] == "Query"


@pytest.mark.parametrize("document", [SCHEMA, TYPE])
async def test_introspection_is_off_in_production(
    open_gateway: Any, document: str
) -> None:
    api, tenant = await open_gateway(**PRODUCTION)

    error = await api.fail(tenant.key, document)

    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "introspection" in error["message"]


async def test_typename_still_works_without_introspection(open_gateway: Any) -> None:
    api, tenant = await open_gateway(**PRODUCTION)

    data = await api.call(tenant.key, "{ location { __typename id } }")

    assert data["location"]["__typename"] == "Location"


async def test_introspection_can_be_switched_off_while_developing(
    open_gateway: Any,
) -> None:
    api, tenant = await open_gateway(graphql_introspection=False)

    error = await api.fail(tenant.key, SCHEMA)

    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_introspection_can_be_switched_on_in_production(
    open_gateway: Any,
) -> None:
    api, tenant = await open_gateway(**PRODUCTION, graphql_introspection=True)

    data = await api.call(tenant.key, SCHEMA)

    assert data["__schema"]["queryType"]["name"] == "Query"


async def test_the_graphiql_page_is_not_served_in_production(
    open_gateway: Any,
) -> None:
    api, tenant = await open_gateway(**PRODUCTION)
    page = {"Accept": "text/html"}

    anonymous = await api.http.get("/graphql", headers=page)
    with_key = await api.http.get(
        "/graphql", headers={**page, "Authorization": f"Bearer {tenant.key}"}
    )

    assert anonymous.status_code == 401
    assert with_key.status_code == 404
    assert with_key.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert "graphiql" not in (anonymous.text + with_key.text).lower()


async def test_graphiql_can_be_switched_off_while_developing(
    open_gateway: Any,
) -> None:
    api, _ = await open_gateway(graphiql=False)

    response = await api.http.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 401
    assert "graphiql" not in response.text.lower()
