"""Changes to contacts: creating, assigning, recording a message sent.

Each change writes the contact's new cached selection in the same update,
conditional on the contact being as it was read (see `gateway.recompute`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from gateway.errors import BadUserInput, Conflict, Contention, NotFound
from gateway.locations import active_pool_number
from gateway.phone import to_e164
from gateway.recompute import (
    SelectionContention,
    cached_selection,
    load_users,
    write_fresh_selections,
    write_until_settled,
)
from gateway.records import Cause, Contact, ContactState, Location, User
from gateway.runtime import Runtime
from gateway.store import DuplicatePhone, SelectionWrite
from gateway.users import get_user
from gateway.validation import clean_text

# Contacts one reassignContacts call may move; larger moves are split by the
# caller, so that one request stays one bounded piece of work.
MAX_CONTACTS_PER_REASSIGNMENT = 1000

# The contact's (assigned user, last outbound number) after a change, or
# None when the change would leave the contact as it is.
NewInputs = Callable[[ContactState], tuple[str | None, str | None] | None]


async def create_contact(
    runtime: Runtime,
    location: Location,
    name: str,
    phone: str,
    assigned_user_id: str | None,
    cause: Cause,
) -> Contact:
    clean_name = clean_text(name, field="name")
    e164 = to_e164(phone, default_region=runtime.settings.default_region, field="phone")
    user = None
    if assigned_user_id is not None:
        user = await get_user(runtime, location, assigned_user_id)

    # The contact is not stored yet: its state is just its assignment.
    state = ContactState("", assigned_user_id, None, None)
    users = {} if user is None else {user.id: user}
    selection = cached_selection(state, users, location)
    try:
        contact = await runtime.store.contacts.insert(
            location.id,
            name=clean_name,
            phone=e164,
            assigned_user_id=assigned_user_id,
            selection=selection,
            cause=cause,
        )
    except DuplicatePhone:
        raise Conflict(
            f"Another contact already has phone {e164}.", field="phone"
        ) from None

    await _refresh_if_revision_moved(runtime, location, [contact.id], cause)
    return contact


async def assign_contact(
    runtime: Runtime,
    location: Location,
    contact_id: str,
    user_id: str | None,
    cause: Cause,
) -> Contact:
    await _assign(runtime, location, [contact_id], user_id, cause, field="contactId")
    return await _get_contact(runtime, location, contact_id)


async def reassign_contacts(
    runtime: Runtime,
    location: Location,
    contact_ids: Sequence[str],
    user_id: str | None,
    cause: Cause,
) -> int:
    """Assign many contacts to one user (or none); how many changed hands."""
    unique_ids = list(dict.fromkeys(contact_ids))
    if len(unique_ids) > MAX_CONTACTS_PER_REASSIGNMENT:
        raise BadUserInput(
            f"At most {MAX_CONTACTS_PER_REASSIGNMENT} contacts can be reassigned"
            " at once.",
            field="contactIds",
        )

    applied = await _assign(
        runtime, location, unique_ids, user_id, cause, field="contactIds"
    )
    return len({write.before.id for write in applied})


async def _assign(
    runtime: Runtime,
    location: Location,
    contact_ids: Sequence[str],
    user_id: str | None,
    cause: Cause,
    *,
    field: str,
) -> list[SelectionWrite]:
    user = None if user_id is None else await get_user(runtime, location, user_id)
    target = None if user is None else user.id

    def reassign(state: ContactState) -> tuple[str | None, str | None] | None:
        if state.assigned_user_id == target:
            return None
        return target, state.last_outbound_number

    return await _change_contacts(
        runtime, location, contact_ids, reassign, cause, users=[user], field=field
    )


async def record_outbound_message(
    runtime: Runtime,
    location: Location,
    contact_id: str,
    from_number: str,
    cause: Cause,
) -> Contact:
    """Remember that the contact was just reached from `from_number`."""
    number = active_pool_number(runtime, location, from_number, field="fromNumber")
    contacted_at = datetime.now(UTC)

    def contacted(state: ContactState) -> tuple[str | None, str | None]:
        return state.assigned_user_id, number

    await _change_contacts(
        runtime, location, [contact_id], contacted, cause, contacted_at=contacted_at
    )
    return await _get_contact(runtime, location, contact_id)


async def _change_contacts(
    runtime: Runtime,
    location: Location,
    contact_ids: Sequence[str],
    new_inputs: NewInputs,
    cause: Cause,
    *,
    users: Sequence[User | None] = (),
    contacted_at: datetime | None = None,
    field: str = "contactId",
) -> list[SelectionWrite]:
    """Change the contacts' inputs and cached selections together.

    Every contact must exist, or nothing is written. Returns the writes
    that applied.
    """
    store = runtime.store
    known_users = {user.id: user for user in users if user is not None}
    current = location

    async def decide(
        states: Sequence[ContactState], attempted: object = None
    ) -> list[SelectionWrite]:
        nonlocal current
        if attempted is not None:
            # A write did not apply because something changed under it:
            # read afresh, the location first, before deciding again.
            current = await _reload(runtime, location)
            known_users.clear()

        changed = [(s, inputs) for s in states if (inputs := new_inputs(s)) is not None]
        after = [
            replace(s, assigned_user_id=u, last_outbound_number=n)
            for s, (u, n) in changed
        ]
        await load_users(store, location.id, after, known_users)
        return [
            SelectionWrite(
                before=state,
                assigned_user_id=next_state.assigned_user_id,
                last_outbound_number=next_state.last_outbound_number,
                selection=cached_selection(next_state, known_users, current),
                contacted_at=contacted_at,
            )
            for (state, _), next_state in zip(changed, after, strict=True)
        ]

    states = await store.contacts.get_states(location.id, contact_ids)
    found = {state.id for state in states}
    missing = [cid for cid in contact_ids if cid not in found]
    if missing:
        raise NotFound(f"No contact has id {missing[0]!r}.", field=field)

    try:
        applied = await write_until_settled(
            store, location, await decide(states), cause, decide
        )
    except SelectionContention:
        raise Contention(
            "The contacts kept changing while being saved; try again."
        ) from None

    if applied:
        await _refresh_if_revision_moved(runtime, current, contact_ids, cause)
    return applied


async def _refresh_if_revision_moved(
    runtime: Runtime, location: Location, contact_ids: Sequence[str], cause: Cause
) -> None:
    """Recompute the contacts if shared inputs changed while they were written.

    A recompute job that scanned for its contacts before these were written
    may have missed them; this closes that gap.
    """
    store = runtime.store
    current = await store.locations.get(location.id)
    if current is None or current.selection_revision == location.selection_revision:
        return
    states = await store.contacts.get_states(location.id, contact_ids)
    await write_fresh_selections(store, current, states, cause)


async def _reload(runtime: Runtime, location: Location) -> Location:
    current = await runtime.store.locations.get(location.id)
    if current is None:
        raise NotFound("The location no longer exists.")
    return current


async def _get_contact(
    runtime: Runtime, location: Location, contact_id: str
) -> Contact:
    contact = await runtime.store.contacts.get(location.id, contact_id)
    if contact is None:
        raise NotFound(f"No contact has id {contact_id!r}.", field="contactId")
    return contact
