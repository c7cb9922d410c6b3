"""Everything a location's key can read."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from gateway.errors import BadUserInput
from gateway.phone import to_e164
from gateway.store import ContactFilter
from resolvers.context import Context
from resolvers.preview import SelectionImpactType, preview_selection_change
from resolvers.types import (
    ContactConnection,
    ContactFilterInput,
    ContactType,
    LocationType,
    PhoneNumberType,
    RecomputeJobType,
    UserType,
    contact_connection,
    contact_type,
)

ContextInfo = Info[Context, None]


@strawberry.type
class Query:
    @strawberry.field(description="The caller's own location.")
    def location(self, info: ContextInfo) -> LocationType:
        return LocationType.from_record(info.context.location)

    @strawberry.field(description="Null when no contact of the caller's has this id.")
    async def contact(self, info: ContextInfo, id: strawberry.ID) -> ContactType | None:
        context = info.context
        contact = await context.runtime.store.contacts.get(context.location.id, id)
        return None if contact is None else await contact_type(context, contact)

    @strawberry.field
    async def contacts(
        self,
        info: ContextInfo,
        first: int | None = 50,
        after: str | None = None,
        filter: ContactFilterInput | None = None,
    ) -> ContactConnection:
        contact_filter = _contact_filter(info.context, filter)
        return await contact_connection(info.context, contact_filter, first, after)

    @strawberry.field
    async def user(self, info: ContextInfo, id: strawberry.ID) -> UserType | None:
        context = info.context
        context.location  # noqa: B018 - refuses the admin token before any read
        user = await context.users.load(id)
        return None if user is None else UserType.from_record(user)

    @strawberry.field
    async def users(self, info: ContextInfo) -> list[UserType]:
        context = info.context
        users = await context.runtime.store.users.list(context.location.id)
        return [UserType.from_record(user) for user in users]

    @strawberry.field
    def phone_numbers(self, info: ContextInfo) -> list[PhoneNumberType]:
        return [
            PhoneNumberType.from_record(p) for p in info.context.location.phone_numbers
        ]

    @strawberry.field(description="Null when no job of the caller's has this id.")
    async def recompute_job(
        self, info: ContextInfo, id: strawberry.ID
    ) -> RecomputeJobType | None:
        context = info.context
        job = await context.runtime.store.jobs.get(id, context.location.id)
        return None if job is None else RecomputeJobType.from_record(job)

    preview_selection_change: SelectionImpactType = strawberry.field(
        resolver=preview_selection_change,
        description="What a change would do to the selections; changes nothing.",
    )


def _contact_filter(
    context: Context, given: ContactFilterInput | None
) -> ContactFilter:
    if given is None:
        return ContactFilter()
    if given.unassigned and given.assigned_user_id is not None:
        raise BadUserInput(
            "A filter cannot ask for unassigned contacts and an assigned user at once.",
            field="filter",
        )

    outbound_number = None
    if given.outbound_number is not None:
        outbound_number = to_e164(
            given.outbound_number,
            default_region=context.runtime.settings.default_region,
            field="outboundNumber",
        )
    return ContactFilter(
        assigned_user_id=given.assigned_user_id,
        unassigned=given.unassigned,
        outbound_number=outbound_number,
        reason=given.reason,
    )
