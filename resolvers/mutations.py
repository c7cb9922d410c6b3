"""Every change a caller can make. Each mutation checks its input, then
hands over to the domain module that owns the change."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from gateway import contacts, locations, users
from gateway.records import ALL_CHANNELS, JobKind
from resolvers.context import Context
from resolvers.types import (
    Channel,
    ContactType,
    CreatedLocation,
    LocationType,
    PhoneNumberType,
    RecomputeJobType,
    UserType,
    contact_type,
)

ContextInfo = Info[Context, None]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Admin token only. The key is shown only here.")
    async def create_location(self, info: ContextInfo, name: str) -> CreatedLocation:
        context = info.context
        context.require_admin()
        location, api_key = await locations.create_location(context.runtime, name)
        return CreatedLocation(
            location=LocationType.from_record(location), api_key=api_key
        )

    @strawberry.mutation(
        description="A new key for the caller's location; the old one stops working."
    )
    async def rotate_api_key(self, info: ContextInfo) -> str:
        context = info.context
        return await locations.rotate_api_key(context.runtime, context.location)

    @strawberry.mutation(
        description="Admin token only. The location's key stops working."
    )
    async def revoke_api_key(
        self, info: ContextInfo, location_id: strawberry.ID
    ) -> bool:
        context = info.context
        context.require_admin()
        await locations.revoke_api_key(context.runtime, location_id)
        return True

    @strawberry.mutation(
        description="Admin token only. A new key for a location, shown only here;"
        " any key it had stops working."
    )
    async def issue_api_key(self, info: ContextInfo, location_id: strawberry.ID) -> str:
        context = info.context
        context.require_admin()
        return await locations.issue_api_key(context.runtime, location_id)

    @strawberry.mutation
    async def add_phone_number(
        self,
        info: ContextInfo,
        number: str,
        label: str | None = None,
        capabilities: list[Channel] | None = None,
    ) -> PhoneNumberType:
        context = info.context
        phone, location = await locations.add_phone_number(
            context.runtime,
            context.location,
            number,
            label,
            context.cause("addPhoneNumber"),
            ALL_CHANNELS if capabilities is None else frozenset(capabilities),
        )
        context.location_changed(location)
        return PhoneNumberType.from_record(phone)

    @strawberry.mutation
    async def release_phone_number(
        self, info: ContextInfo, number: str
    ) -> PhoneNumberType:
        context = info.context
        phone, location = await locations.release_phone_number(
            context.runtime,
            context.location,
            number,
            context.cause("releasePhoneNumber"),
        )
        context.location_changed(location)
        return PhoneNumberType.from_record(phone)

    @strawberry.mutation(description="Which channels a number of the pool can serve.")
    async def set_phone_number_capabilities(
        self, info: ContextInfo, number: str, capabilities: list[Channel]
    ) -> PhoneNumberType:
        context = info.context
        phone, location = await locations.set_phone_number_capabilities(
            context.runtime,
            context.location,
            number,
            frozenset(capabilities),
            context.cause("setPhoneNumberCapabilities"),
        )
        context.location_changed(location)
        return PhoneNumberType.from_record(phone)

    @strawberry.mutation(description="Null clears the default.")
    async def set_default_outbound_number(
        self, info: ContextInfo, number: str | None
    ) -> LocationType:
        context = info.context
        location = await locations.set_default_outbound_number(
            context.runtime,
            context.location,
            number,
            context.cause("setDefaultOutboundNumber"),
        )
        context.location_changed(location)
        return LocationType.from_record(location)

    @strawberry.mutation
    async def create_user(
        self,
        info: ContextInfo,
        name: str,
        email: str | None = None,
        inbound_number: str | None = None,
    ) -> UserType:
        context = info.context
        user = await users.create_user(
            context.runtime, context.location, name, email, inbound_number
        )
        context.user_changed(user)
        return UserType.from_record(user)

    @strawberry.mutation(description="Null clears the user's inbound number.")
    async def set_user_inbound_number(
        self, info: ContextInfo, user_id: strawberry.ID, number: str | None
    ) -> UserType:
        context = info.context
        user = await users.set_user_inbound_number(
            context.runtime,
            context.location,
            user_id,
            number,
            context.cause("setUserInboundNumber"),
        )
        context.user_changed(user)
        return UserType.from_record(user)

    @strawberry.mutation
    async def create_contact(
        self,
        info: ContextInfo,
        name: str,
        phone: str,
        assigned_user_id: strawberry.ID | None = None,
    ) -> ContactType:
        context = info.context
        contact = await contacts.create_contact(
            context.runtime,
            context.location,
            name,
            phone,
            assigned_user_id,
            context.cause("createContact"),
        )
        return await contact_type(context, contact)

    @strawberry.mutation(description="Null unassigns the contact.")
    async def assign_contact(
        self,
        info: ContextInfo,
        contact_id: strawberry.ID,
        user_id: strawberry.ID | None,
    ) -> ContactType:
        context = info.context
        contact = await contacts.assign_contact(
            context.runtime,
            context.location,
            contact_id,
            user_id,
            context.cause("assignContact"),
        )
        return await contact_type(context, contact)

    @strawberry.mutation(description="How many of the contacts changed hands.")
    async def reassign_contacts(
        self,
        info: ContextInfo,
        contact_ids: list[strawberry.ID],
        user_id: strawberry.ID | None,
    ) -> int:
        context = info.context
        return await contacts.reassign_contacts(
            context.runtime,
            context.location,
            contact_ids,
            user_id,
            context.cause("reassignContacts"),
        )

    @strawberry.mutation(
        description="Remember that a message just left from fromNumber."
    )
    async def record_outbound_message(
        self, info: ContextInfo, contact_id: strawberry.ID, from_number: str
    ) -> ContactType:
        context = info.context
        contact = await contacts.record_outbound_message(
            context.runtime,
            context.location,
            contact_id,
            from_number,
            context.cause("recordOutboundMessage"),
        )
        return await contact_type(context, contact)

    @strawberry.mutation(
        description="Recompute every cached selection of the location."
    )
    async def recompute_selections(self, info: ContextInfo) -> RecomputeJobType:
        context = info.context
        job = await context.runtime.outbox.enqueue(
            context.location.id, JobKind.FULL, context.cause("recomputeSelections")
        )
        return RecomputeJobType.from_record(job)
