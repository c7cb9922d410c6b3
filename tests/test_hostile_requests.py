"""Requests a broken or hostile client sends: each gets a clear JSON error
with a stable code and a sensible HTTP status, writes nothing, and the
gateway goes on serving the next request as usual."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support.api import Api
from tests.support.servers import running_server
from tests.support.tenants import Tenant, new_tenant, snapshot

LOCATION = '{"query": "{ location { id } }"}'
CREATE = (
    "mutation($name: String!) {"
    ' createContact(name: $name, phone: "+16175550111") { id } }'
)


@pytest.fixture
async def tenant(api: Api) -> Tenant:
    return await new_tenant(api)


async def _refusal(
    api: Api, tenant: Tenant, status: int, code: str, **request: Any
) -> str:
    """The message of a refused request, once sure it wrote nothing and
    that a normal request still works afterwards."""
    headers = {"Authorization": f"Bearer {tenant.key}", **request.pop("headers", {})}
    before = await snapshot(api)

    response = await api.http.post("/graphql", headers=headers, **request)

    body = response.json()
    assert response.status_code == status, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == code, body
    assert "x-request-id" in response.headers
    assert await snapshot(api) == before
    assert (await api.call(tenant.key, "{ location { id } }"))["location"]
    message: str = error["message"]
    return message


def _json(content: str | bytes) -> dict[str, Any]:
    return {"content": content, "headers": {"Content-Type": "application/json"}}


async def test_malformed_json_is_a_bad_request(api: Api, tenant: Tenant) -> None:
    message = await _refusal(
        api, tenant, 400, "BAD_REQUEST", **_json('{"query": "{ location { id } }"')
    )

    assert "not valid JSON" in message


async def test_a_body_that_is_not_utf8_is_a_bad_request(
    api: Api, tenant: Tenant
) -> None:
    await _refusal(
        api, tenant, 400, "BAD_REQUEST", **_json(b'{"query": "\xff{ location }"}')
    )


async def test_json_nested_too_deeply_to_decode_is_a_bad_request(
    api: Api, tenant: Tenant
) -> None:
    nested = "[" * 20_000 + "]" * 20_000
    body = '{"query": "{ location { id } }", "variables": {"v": ' + nested + "}}"

    await _refusal(api, tenant, 400, "BAD_REQUEST", **_json(body))


@pytest.mark.parametrize("body", ['"{ location { id } }"', "42", "null"])
async def test_json_that_is_not_an_object_is_a_bad_request(
    api: Api, tenant: Tenant, body: str
) -> None:
    await _refusal(api, tenant, 400, "BAD_REQUEST", **_json(body))


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/graphql", "application/x-www-form-urlencoded"],
)
async def test_a_body_that_is_not_json_is_an_unsupported_media_type(
    api: Api, tenant: Tenant, content_type: str | None
) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}

    message = await _refusal(
        api, tenant, 415, "BAD_REQUEST", content=LOCATION, headers=headers
    )

    assert "application/json" in message


async def test_a_batch_of_operations_is_refused(api: Api, tenant: Tenant) -> None:
    batch = [
        {"query": CREATE, "variables": {"name": "Dev"}},
        {"query": "{ location { id } }"},
    ]

    message = await _refusal(api, tenant, 400, "BAD_REQUEST", json=batch)

    assert "Batching" in message


async def test_a_body_without_a_query_is_a_bad_request(
    api: Api, tenant: Tenant
) -> None:
    await _refusal(api, tenant, 400, "BAD_REQUEST", json={"variables": {}})


async def test_a_mutation_sent_with_get_is_a_bad_request(
    api: Api, tenant: Tenant
) -> None:
    before = await snapshot(api)

    response = await api.http.get(
        "/graphql",
        params={
            "query": 'mutation { createContact(name: "D", phone: "+16175550111") { id } }'
        },
        headers={"Authorization": f"Bearer {tenant.key}"},
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert await snapshot(api) == before


async def test_a_one_megabyte_argument_is_refused_as_too_large(
    api: Api, tenant: Tenant
) -> None:
    body = {"query": CREATE, "variables": {"name": "x" * 1_000_000}}

    message = await _refusal(api, tenant, 413, "REQUEST_TOO_LARGE", json=body)

    assert "65536 bytes" in message


async def test_a_large_body_without_a_length_is_refused_as_it_arrives(
    api: Api, tenant: Tenant
) -> None:
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ location { id } }", "variables": {"v": "'
        for _ in range(1000):
            sent.append(1)
            yield b"x" * 1024
        yield b'"}}'

    await _refusal(
        api,
        tenant,
        413,
        "REQUEST_TOO_LARGE",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )

    # Refused at the first chunk over the limit, not after the whole body.
    assert len(sent) < 100


async def test_a_long_string_within_the_body_limit_is_bad_user_input(
    api: Api, tenant: Tenant
) -> None:
    body = {"query": CREATE, "variables": {"name": "x" * 50_000}}

    message = await _refusal(api, tenant, 200, "BAD_USER_INPUT", json=body)

    assert "at most 200 characters" in message


async def test_a_query_nested_a_thousand_levels_is_refused(
    api: Api, tenant: Tenant
) -> None:
    query = "mutation { " + "a { " * 1000 + "}" * 1000 + " }"

    await _refusal(api, tenant, 200, "QUERY_TOO_COMPLEX", json={"query": query})


async def test_a_query_nested_too_deeply_to_parse_is_a_parse_error(
    api: Api, tenant: Tenant
) -> None:
    query = "mutation { " + "a { " * 300 + "}" * 300 + " }"

    await _refusal(api, tenant, 200, "GRAPHQL_PARSE_FAILED", json={"query": query})


async def test_an_alias_flood_is_refused(api: Api, tenant: Tenant) -> None:
    aliases = " ".join(
        f'a{i}: createContact(name: "Dev", phone: "+1617555{i:04d}") {{ id }}'
        for i in range(100)
    )

    await _refusal(
        api,
        tenant,
        200,
        "QUERY_TOO_COMPLEX",
        json={"query": f"mutation {{ {aliases} }}"},
    )


async def test_a_page_above_the_largest_is_bad_user_input(
    api: Api, tenant: Tenant
) -> None:
    query = "{ contacts(first: 100000) { edges { node { id } } } }"

    message = await _refusal(api, tenant, 200, "BAD_USER_INPUT", json={"query": query})

    assert "at most 100" in message


async def test_an_unknown_field_is_a_validation_error(api: Api, tenant: Tenant) -> None:
    await _refusal(
        api,
        tenant,
        200,
        "GRAPHQL_VALIDATION_FAILED",
        json={"query": "{ location { apiKeyHash } }"},
    )


async def test_refusals_before_authentication_are_json_too(api: Api) -> None:
    response = await api.http.post(
        "/graphql",
        content="x" * 100_000,
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


async def test_a_real_server_refuses_a_huge_body_and_keeps_serving(
    api: Api, tenant: Tenant
) -> None:
    """The same refusal through uvicorn, on a real socket."""
    async with (
        running_server(api.app) as base_url,
        httpx.AsyncClient(
            base_url=base_url, headers={"Authorization": f"Bearer {tenant.key}"}
        ) as client,
    ):
        refused = await client.post(
            "/graphql",
            content=b'{"query": "' + b"x" * 1_000_000 + b'"}',
            headers={"Content-Type": "application/json"},
        )
        served = await client.post("/graphql", json={"query": "{ location { id } }"})

    assert refused.status_code == 413
    assert served.json()["data"]["location"]["id"] == tenant.id
