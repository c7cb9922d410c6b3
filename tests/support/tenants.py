"""Locations made through the API, as a client would make them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.support.api import Api
from tests.support.settings import ADMIN_TOKEN

CREATE_LOCATION = """
mutation($name: String!) { createLocation(name: $name) { apiKey location { id } } }
"""


@dataclass(frozen=True)
class Tenant:
    id: str
    key: str


async def new_tenant(api: Api, name: str = "Harbor Dental") -> Tenant:
    data = await api.call(ADMIN_TOKEN, CREATE_LOCATION, name=name)
    created = data["createLocation"]
    return Tenant(id=created["location"]["id"], key=created["apiKey"])


async def add_numbers(api: Api, tenant: Tenant, *numbers: str) -> None:
    for number in numbers:
        await api.call(
            tenant.key,
            "mutation($n: String!) { addPhoneNumber(number: $n) { id } }",
            n=number,
        )


async def create_user(
    api: Api, tenant: Tenant, name: str, inbound: str | None = None
) -> str:
    data = await api.call(
        tenant.key,
        "mutation($name: String!, $inbound: String) {"
        " createUser(name: $name, inboundNumber: $inbound) { id } }",
        name=name,
        inbound=inbound,
    )
    user_id: str = data["createUser"]["id"]
    return user_id


async def create_contact(
    api: Api, tenant: Tenant, name: str, phone: str, user_id: str | None = None
) -> str:
    data = await api.call(
        tenant.key,
        "mutation($name: String!, $phone: String!, $user: ID) {"
        " createContact(name: $name, phone: $phone, assignedUserId: $user) { id } }",
        name=name,
        phone=phone,
        user=user_id,
    )
    contact_id: str = data["createContact"]["id"]
    return contact_id


async def snapshot(api: Api) -> dict[str, list[dict[str, Any]]]:
    """Every document of every collection, to show that nothing was written.

    Recomputes still running are finished first, so that only the request
    under test can change what the next snapshot shows.
    """
    await api.drain()
    database = api.runtime.store.database
    names = sorted(await database.list_collection_names())
    return {
        name: await database[name].find({}).sort("_id", 1).to_list(None)
        for name in names
    }
