"""The baseline a recompute is measured against: one contact at a time,
through the same store. Read the contact, read its user, apply the rules,
write its selection with the same conditional update."""

from __future__ import annotations

from collections.abc import Sequence

from gateway.recompute import cached_selection
from gateway.records import Cause, User
from gateway.store import SelectionWrite, Store


async def recompute_one_by_one(
    store: Store, location_id: str, contact_ids: Sequence[str], cause: Cause
) -> None:
    location = await store.locations.get(location_id)
    assert location is not None

    for contact_id in contact_ids:
        contact = await store.contacts.get(location_id, contact_id)
        assert contact is not None

        users: dict[str, User] = {}
        if contact.assigned_user_id is not None:
            user = await store.users.get(location_id, contact.assigned_user_id)
            if user is not None:
                users[user.id] = user

        state = contact.state
        write = SelectionWrite(
            before=state,
            assigned_user_id=state.assigned_user_id,
            last_outbound_number=state.last_outbound_number,
            selection=cached_selection(state, users, location),
        )
        await store.contacts.write_selections(location_id, [write], cause)
