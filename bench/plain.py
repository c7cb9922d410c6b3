"""The plain endpoint GraphQL is measured against: the same page of contacts
with their outbound number and assigned user, as hand-written JSON.

It makes the same reads on the same store (the caller's location, the page,
the count, the page's users), applies the same rules, and sits behind the
same request-id middleware; only GraphQL is missing.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.auth import authenticate
from gateway.records import Contact, Location, User
from gateway.request_id import RequestIdMiddleware
from gateway.rules import select_outbound_number
from gateway.store import ContactFilter, Store
from resolvers.pagination import encode_cursor

EVERY_CONTACT = ContactFilter()


def plain_app(store: Store) -> Starlette:
    async def contacts(request: Request) -> JSONResponse:
        location, page, more, total, users = await _read_page(store, request)
        edges = [_edge(contact, users, location) for contact in page]
        connection = {
            "totalCount": total,
            "edges": edges,
            "pageInfo": {
                "hasNextPage": more,
                "endCursor": edges[-1]["cursor"] if edges else None,
            },
        }
        return JSONResponse({"data": {"contacts": connection}})

    async def reads_only(request: Request) -> JSONResponse:
        _, page, _, total, _ = await _read_page(store, request)
        return JSONResponse({"contacts": len(page), "total": total})

    return Starlette(
        routes=[
            Route("/contacts", contacts),
            Route("/reads-only", reads_only),
        ],
        middleware=[Middleware(RequestIdMiddleware)],
    )


async def _read_page(
    store: Store, request: Request
) -> tuple[Location, list[Contact], bool, int, dict[str, User]]:
    principal = await authenticate(store, request.headers.get("authorization"), None)
    assert isinstance(principal, Location)
    first = int(request.query_params["first"])

    found = await store.contacts.page(
        principal.id, EVERY_CONTACT, after_id=None, limit=first + 1
    )
    page = found[:first]
    total = await store.contacts.count(principal.id, EVERY_CONTACT)
    assigned = {c.assigned_user_id for c in page if c.assigned_user_id is not None}
    users = {u.id: u for u in await store.users.get_many(principal.id, assigned)}
    return principal, page, len(found) > first, total, users


def _edge(
    contact: Contact, users: dict[str, User], location: Location
) -> dict[str, Any]:
    user_id = contact.assigned_user_id
    user = None if user_id is None else users.get(user_id)
    selection = select_outbound_number(
        assigned_user_id=user_id,
        assigned_user=user,
        last_outbound_number=contact.last_outbound_number,
        location=location,
    )
    return {
        "cursor": encode_cursor(contact.id),
        "node": {
            "id": contact.id,
            "name": contact.name,
            "phone": contact.phone,
            "outboundNumber": selection.number,
            "assignedUser": None
            if user is None
            else {"id": user.id, "name": user.name},
        },
    }
