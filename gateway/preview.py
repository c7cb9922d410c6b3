"""What a change would do to the selections, before anyone makes it.

A selection depends on a contact only through its assigned user and the
number it was last contacted from, so the preview groups contacts by that
pair (a few hundred groups at most, however many contacts) and runs the
same rules function on each group twice: as things are, and as they would
be. Nothing is written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from gateway.errors import BadUserInput
from gateway.locations import active_pool_number, pool_number
from gateway.records import (
    Channel,
    Contact,
    Location,
    NumberStatus,
    Reason,
    Selection,
    User,
)
from gateway.rules import select_outbound_number
from gateway.runtime import Runtime
from gateway.store import InputGroup
from gateway.users import get_user

# Groups of (assigned user, last number) a preview reads at most. Each group
# is one small document; beyond this the preview says it is incomplete
# rather than read without bound.
MAX_GROUPS = 5000

# Examples a preview may show; a page, not an export.
MAX_EXAMPLES = 50


@dataclass(frozen=True, slots=True)
class DefaultNumberChange:
    number: str | None


@dataclass(frozen=True, slots=True)
class UserInboundChange:
    user_id: str
    number: str | None


@dataclass(frozen=True, slots=True)
class NumberRelease:
    number: str


@dataclass(frozen=True, slots=True)
class CapabilitiesChange:
    number: str
    capabilities: frozenset[Channel]


SelectionChange = (
    DefaultNumberChange | UserInboundChange | NumberRelease | CapabilitiesChange
)


@dataclass(frozen=True, slots=True)
class ImpactExample:
    contact: Contact
    before: Selection
    after: Selection


@dataclass(frozen=True, slots=True)
class SelectionImpact:
    contacts_considered: int
    contacts_switching: int
    by_old_number: dict[str | None, int]
    by_new_number: dict[str | None, int]
    by_new_reason: dict[Reason, int]
    examples: list[ImpactExample]
    complete: bool


@dataclass(frozen=True, slots=True)
class _World:
    """The location and the users the rules see, now or after the change."""

    location: Location
    users: dict[str, User]

    def select(self, group: InputGroup, channel: Channel) -> Selection:
        user_id = group.assigned_user_id
        return select_outbound_number(
            assigned_user_id=user_id,
            assigned_user=None if user_id is None else self.users.get(user_id),
            last_outbound_number=group.last_outbound_number,
            location=self.location,
            channel=channel,
        )


async def preview_change(
    runtime: Runtime,
    location: Location,
    change: SelectionChange,
    *,
    examples: int = 10,
    channel: Channel = Channel.SMS,
) -> SelectionImpact:
    """The contacts whose number `change` would switch, counted and shown."""
    if not 0 <= examples <= MAX_EXAMPLES:
        raise BadUserInput(
            f"examples must be between 0 and {MAX_EXAMPLES}.", field="examples"
        )
    scope_user = change.user_id if isinstance(change, UserInboundChange) else None
    after_location, changed_user = await _changed(runtime, location, change)

    contacts = runtime.store.contacts
    groups = await contacts.input_groups(location.id, scope_user, MAX_GROUPS)
    complete = len(groups) <= MAX_GROUPS
    groups = groups[:MAX_GROUPS]
    users = await _users_of(runtime, location, groups)
    now = _World(location, users)
    then = _World(
        after_location,
        users if changed_user is None else {**users, changed_user.id: changed_user},
    )

    switching = [
        (group, before, after)
        for group in groups
        if (before := now.select(group, channel)).number
        != (after := then.select(group, channel)).number
    ]
    shown = await _examples(runtime, location, switching, examples)
    return _impact(groups, switching, shown, complete)


async def _changed(
    runtime: Runtime, location: Location, change: SelectionChange
) -> tuple[Location, User | None]:
    """The location (and user) as `change` would leave them, checked as the
    real change checks its input."""
    if isinstance(change, DefaultNumberChange):
        number = (
            None
            if change.number is None
            else active_pool_number(runtime, location, change.number)
        )
        return replace(location, default_outbound_number=number), None

    if isinstance(change, UserInboundChange):
        user = await get_user(runtime, location, change.user_id)
        number = None
        if change.number is not None:
            number = active_pool_number(
                runtime, location, change.number, field="inboundNumber"
            )
        return location, replace(user, inbound_number=number)

    phone = pool_number(runtime, location, change.number)
    if isinstance(change, NumberRelease):
        changed = replace(phone, status=NumberStatus.RELEASED)
    else:
        if not change.capabilities:
            raise BadUserInput(
                "A number must serve at least one channel.", field="capabilities"
            )
        changed = replace(phone, capabilities=change.capabilities)
    numbers = tuple(
        changed if p.number == phone.number else p for p in location.phone_numbers
    )
    return replace(location, phone_numbers=numbers), None


async def _users_of(
    runtime: Runtime, location: Location, groups: Sequence[InputGroup]
) -> dict[str, User]:
    user_ids = {g.assigned_user_id for g in groups if g.assigned_user_id is not None}
    found = await runtime.store.users.get_many(location.id, user_ids)
    return {user.id: user for user in found}


async def _examples(
    runtime: Runtime,
    location: Location,
    switching: Sequence[tuple[InputGroup, Selection, Selection]],
    limit: int,
) -> list[ImpactExample]:
    # Contacts of the first groups are enough to fill a page of examples.
    selections = {
        (group.assigned_user_id, group.last_outbound_number): (before, after)
        for group, before, after in switching[:limit]
    }
    groups = [group for group, _, _ in switching[:limit]]
    found = await runtime.store.contacts.with_inputs(location.id, groups, limit)
    return [
        ImpactExample(
            contact,
            *selections[(contact.assigned_user_id, contact.last_outbound_number)],
        )
        for contact in found
    ]


def _impact(
    groups: Sequence[InputGroup],
    switching: Sequence[tuple[InputGroup, Selection, Selection]],
    examples: list[ImpactExample],
    complete: bool,
) -> SelectionImpact:
    by_old: Counter[str | None] = Counter()
    by_new: Counter[str | None] = Counter()
    by_reason: Counter[Reason] = Counter()
    for group, before, after in switching:
        by_old[before.number] += group.count
        by_new[after.number] += group.count
        by_reason[after.reason] += group.count

    return SelectionImpact(
        contacts_considered=sum(group.count for group in groups),
        contacts_switching=sum(by_old.values()),
        by_old_number=dict(by_old),
        by_new_number=dict(by_new),
        by_new_reason=dict(by_reason),
        examples=examples,
        complete=complete,
    )
