"""Who is calling: the admin, a location (by its API key), or nobody."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.errors import Unauthenticated
from gateway.keys import hash_api_key, looks_like_api_key, same_secret
from gateway.records import Location
from gateway.store import Store

_SCHEME = "bearer "


@dataclass(frozen=True, slots=True)
class Admin:
    """The holder of the admin token: manages locations, reads none."""


Principal = Admin | Location


async def authenticate(
    store: Store, authorization: str | None, admin_token: str | None
) -> Principal:
    """The principal an Authorization header names; Unauthenticated if none."""
    credential = bearer_credential(authorization)

    if admin_token is not None and same_secret(credential, admin_token):
        return Admin()

    location = await _location_for_key(store, credential)
    if location is None:
        raise Unauthenticated("The API key is not valid.")
    return location


def bearer_credential(authorization: str | None) -> str:
    """The key or token an Authorization header carries."""
    if not authorization or not authorization.lower().startswith(_SCHEME):
        raise Unauthenticated("Send an API key as 'Authorization: Bearer <key>'.")
    return authorization[len(_SCHEME) :].strip()


async def _location_for_key(store: Store, key: str) -> Location | None:
    if not looks_like_api_key(key):
        return None
    # The lookup is by hash, so its timing says nothing about any stored key.
    return await store.locations.find_by_key_hash(hash_api_key(key))
