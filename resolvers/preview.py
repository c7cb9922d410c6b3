"""The impact preview in GraphQL: which change to imagine, and its impact."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry
from strawberry.types import Info

from gateway import preview, records
from gateway.errors import BadUserInput
from resolvers.context import Context
from resolvers.types import (
    Channel,
    ContactType,
    OutboundSelectionType,
    SelectionReason,
    contact_types,
)


@strawberry.input(name="DefaultNumberChange")
class DefaultNumberChangeInput:
    number: str | None = strawberry.field(default=None, description="Null: no default.")


@strawberry.input(name="UserInboundChange")
class UserInboundChangeInput:
    user_id: strawberry.ID
    number: str | None = strawberry.field(default=None, description="Null: none.")


@strawberry.input(name="CapabilitiesChange")
class CapabilitiesChangeInput:
    number: str
    capabilities: list[Channel]


@strawberry.input(
    name="SelectionChangeInput",
    one_of=True,
    description="Exactly one change to imagine.",
)
class SelectionChangeInput:
    default_outbound_number: DefaultNumberChangeInput | None = strawberry.UNSET
    user_inbound_number: UserInboundChangeInput | None = strawberry.UNSET
    released_number: str | None = strawberry.UNSET
    phone_number_capabilities: CapabilitiesChangeInput | None = strawberry.UNSET

    def to_change(self) -> preview.SelectionChange:
        if self.default_outbound_number:
            return preview.DefaultNumberChange(self.default_outbound_number.number)
        if self.user_inbound_number:
            given = self.user_inbound_number
            return preview.UserInboundChange(str(given.user_id), given.number)
        if self.released_number:
            return preview.NumberRelease(self.released_number)
        if self.phone_number_capabilities:
            given_caps = self.phone_number_capabilities
            return preview.CapabilitiesChange(
                given_caps.number, frozenset(given_caps.capabilities)
            )
        raise BadUserInput("Give exactly one change.", field="change")


@strawberry.type(name="NumberCount")
class NumberCount:
    number: str | None
    contacts: int


@strawberry.type(name="ReasonCount")
class ReasonCount:
    reason: SelectionReason
    contacts: int


@strawberry.type(name="SelectionImpactExample")
class SelectionImpactExample:
    contact: ContactType
    before: OutboundSelectionType
    after: OutboundSelectionType


@strawberry.type(name="SelectionImpact")
class SelectionImpactType:
    contacts_considered: int = strawberry.field(
        description="Contacts the change could reach."
    )
    contacts_switching: int = strawberry.field(
        description="Contacts whose number would change."
    )
    by_old_number: list[NumberCount] = strawberry.field(
        description="Switching contacts, by the number they have now."
    )
    by_new_number: list[NumberCount] = strawberry.field(
        description="Switching contacts, by the number they would get."
    )
    by_new_reason: list[ReasonCount] = strawberry.field(
        description="Switching contacts, by the rule that would choose."
    )
    examples: list[SelectionImpactExample]
    complete: bool = strawberry.field(
        description="False when the location was too varied to read whole;"
        " the counts then cover part of it."
    )

    @classmethod
    def from_record(
        cls, impact: preview.SelectionImpact, contacts: Sequence[ContactType]
    ) -> SelectionImpactType:
        """`contacts` are the examples' contacts, ready for GraphQL, in order."""
        return cls(
            contacts_considered=impact.contacts_considered,
            contacts_switching=impact.contacts_switching,
            by_old_number=_number_counts(impact.by_old_number),
            by_new_number=_number_counts(impact.by_new_number),
            by_new_reason=[
                ReasonCount(reason=reason, contacts=count)
                for reason, count in sorted(impact.by_new_reason.items())
            ],
            examples=[
                SelectionImpactExample(
                    contact=contact,
                    before=OutboundSelectionType.from_record(example.before),
                    after=OutboundSelectionType.from_record(example.after),
                )
                for example, contact in zip(impact.examples, contacts, strict=True)
            ],
            complete=impact.complete,
        )


def _number_counts(counts: dict[str | None, int]) -> list[NumberCount]:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0] or ""))
    return [NumberCount(number=number, contacts=count) for number, count in ordered]


async def preview_selection_change(
    info: Info[Context, None],
    change: SelectionChangeInput,
    examples: int | None = 10,
    channel: Channel | None = records.Channel.SMS,
) -> SelectionImpactType:
    context = info.context
    impact = await preview.preview_change(
        context.runtime,
        context.location,
        change.to_change(),
        examples=10 if examples is None else examples,
        channel=channel or records.Channel.SMS,
    )
    contacts = await contact_types(context, [e.contact for e in impact.examples])
    return SelectionImpactType.from_record(impact, contacts)
