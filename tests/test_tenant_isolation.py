"""No location can see or touch another's data, for every id in the schema.

The cases are generated from the schema itself: every argument of type ID
(or a list of IDs, or an input object holding one) of every query and
mutation is given an id that belongs to another location, with every other
argument valid. A new field that takes an id fails this test until it says
how to call it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from graphql import GraphQLInputObjectType, GraphQLScalarType, get_named_type

from resolvers.schema import build_schema
from tests.support.api import Api
from tests.support.tenants import (
    Tenant,
    add_numbers,
    create_contact,
    create_user,
    new_tenant,
    snapshot,
)

NUMBER = "+12025550143"


@dataclass
class World:
    """Two locations with a user, a contact and a job each."""

    mine: Tenant
    theirs: Tenant
    ids: dict[str, dict[str, str]]


# How to call each field that takes an id: its arguments, with `{kind}`
# placeholders for ids, and the selection to ask for.
CALLS: dict[tuple[str, str], tuple[dict[str, Any], str]] = {
    ("Query", "contact"): ({"id": "{contact}"}, "{ id name }"),
    ("Query", "user"): ({"id": "{user}"}, "{ id name }"),
    ("Query", "recomputeJob"): ({"id": "{job}"}, "{ id status }"),
    ("Query", "contacts"): ({"filter": {"assignedUserId": "{user}"}}, "{ totalCount }"),
    ("Query", "previewSelectionChange"): (
        {"change": {"userInboundNumber": {"userId": "{user}", "number": NUMBER}}},
        "{ contactsSwitching }",
    ),
    ("Mutation", "setUserInboundNumber"): (
        {"userId": "{user}", "number": NUMBER},
        "{ id }",
    ),
    ("Mutation", "createContact"): (
        {"name": "New", "phone": "+16175559999", "assignedUserId": "{user}"},
        "{ id }",
    ),
    ("Mutation", "assignContact"): (
        {"contactId": "{contact}", "userId": "{user}"},
        "{ id }",
    ),
    ("Mutation", "reassignContacts"): (
        {"contactIds": ["{contact}"], "userId": "{user}"},
        "",
    ),
    ("Mutation", "recordOutboundMessage"): (
        {"contactId": "{contact}", "fromNumber": NUMBER},
        "{ id }",
    ),
}

# Fields whose id names a location, which only the admin token may use.
ADMIN_ONLY = {("Mutation", "revokeApiKey"), ("Mutation", "issueApiKey")}


def _takes_an_id(arg_type: Any) -> bool:
    named = get_named_type(arg_type)
    if isinstance(named, GraphQLScalarType):
        return named.name == "ID"
    if isinstance(named, GraphQLInputObjectType):
        return any(_takes_an_id(f.type) for f in named.fields.values())
    return False


def _fields_taking_ids() -> list[tuple[str, str]]:
    schema = build_schema()._schema
    found = []
    for root in (schema.query_type, schema.mutation_type):
        assert root is not None
        for name, field in root.fields.items():
            if any(_takes_an_id(arg.type) for arg in field.args.values()):
                found.append((root.name, name))
    return sorted(found)


def test_every_field_taking_an_id_is_covered() -> None:
    assert set(_fields_taking_ids()) == set(CALLS) | ADMIN_ONLY


def _id_arguments(arguments: dict[str, Any]) -> list[str]:
    def has_placeholder(value: Any) -> bool:
        if isinstance(value, str):
            return value.startswith("{")
        if isinstance(value, list):
            return any(map(has_placeholder, value))
        if isinstance(value, dict):
            return any(map(has_placeholder, value.values()))
        return False

    return [name for name, value in arguments.items() if has_placeholder(value)]


CASES = [
    (field, argument)
    for field, (arguments, _) in sorted(CALLS.items())
    for argument in _id_arguments(arguments)
]


@pytest.fixture
async def world(api: Api) -> World:
    ids: dict[str, dict[str, str]] = {}
    tenants = []
    for name in ("Mine", "Theirs"):
        tenant = await new_tenant(api, name)
        await add_numbers(api, tenant, NUMBER)
        user = await create_user(api, tenant, f"{name} user")
        contact = await create_contact(
            api, tenant, f"{name} contact", "+13105550123", user
        )
        job = await api.call(tenant.key, "mutation { recomputeSelections { id } }")
        ids[tenant.id] = {
            "user": user,
            "contact": contact,
            "job": job["recomputeSelections"]["id"],
        }
        tenants.append(tenant)
    await api.drain()
    return World(mine=tenants[0], theirs=tenants[1], ids=ids)


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str) and value.startswith("{"):
        return ids[value.strip("{}")]
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _literal(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return '"' + str(value) + '"'


@pytest.mark.parametrize(("field", "argument"), CASES, ids=lambda c: str(c))
async def test_another_locations_id_behaves_as_if_it_did_not_exist(
    api: Api, world: World, field: tuple[str, str], argument: str
) -> None:
    root, name = field
    arguments, selection = CALLS[field]
    mine = world.ids[world.mine.id]
    theirs = world.ids[world.theirs.id]
    values = {
        arg: _fill(value, theirs if arg == argument else mine)
        for arg, value in arguments.items()
    }
    rendered = ", ".join(f"{arg}: {_literal(value)}" for arg, value in values.items())
    operation = "mutation" if root == "Mutation" else "query"
    document = f"{operation} {{ {name}({rendered}) {selection} }}"
    before = await snapshot(api)

    response = await api.post(world.mine.key, document)
    await api.drain()

    body = response.json()
    if root == "Query" and "errors" not in body:
        result = body["data"][name]
        assert result is None or result == {"totalCount": 0}, body
    else:
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", body
    assert await snapshot(api) == before
    assert world.theirs.id not in response.text
    for their_id in theirs.values():
        if their_id not in document:
            assert their_id not in response.text


async def test_the_admin_token_is_needed_to_revoke_a_key(
    api: Api, world: World
) -> None:
    before = await snapshot(api)

    error = await api.fail(
        world.mine.key,
        "mutation($id: ID!) { revokeApiKey(locationId: $id) }",
        id=world.theirs.id,
    )

    assert error["extensions"]["code"] == "FORBIDDEN"
    assert await snapshot(api) == before
