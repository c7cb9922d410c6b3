"""The GraphQL object types, each built from one domain record.

Plain fields are dataclass attributes, read without a coroutine. Fields
that need other documents are resolvers that go through the request's
DataLoaders; a contact's user is loaded before the contact is returned, so
that a page of contacts costs one coroutine, not several per contact.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

import strawberry
from strawberry.types import Info

from gateway import records
from gateway.rules import select_outbound_number
from gateway.store import ContactFilter
from resolvers.context import Context
from resolvers.pagination import checked_page_size, decode_cursor, encode_cursor

# strawberry.enum marks the domain's enum itself as a GraphQL enum; naming
# the domain class here (rather than the call's result) keeps each name a
# type that mypy can read.
SelectionReason = records.Reason
strawberry.enum(
    SelectionReason,
    name="SelectionReason",
    description="Which rule chose the outbound number, in order of precedence.",
)
PhoneNumberStatus = records.NumberStatus
strawberry.enum(PhoneNumberStatus, name="PhoneNumberStatus")
Channel = records.Channel
strawberry.enum(Channel, name="Channel", description="How a contact is reached.")
RecomputeJobKind = records.JobKind
strawberry.enum(RecomputeJobKind, name="RecomputeJobKind")
RecomputeJobStatus = records.JobStatus
strawberry.enum(RecomputeJobStatus, name="RecomputeJobStatus")


@strawberry.type(name="OutboundSelection")
class OutboundSelectionType:
    number: str | None
    reason: SelectionReason
    explanation: str = strawberry.field(
        description="One sentence for a person: the rule that chose, and why."
    )

    @classmethod
    def from_record(cls, selection: records.Selection) -> OutboundSelectionType:
        return cls(
            number=selection.number,
            reason=selection.reason,
            explanation=selection.explanation,
        )


@strawberry.type(name="PhoneNumber")
class PhoneNumberType:
    id: strawberry.ID
    number: str
    label: str | None
    status: PhoneNumberStatus
    capabilities: list[Channel]

    @classmethod
    def from_record(cls, phone: records.PhoneNumber) -> PhoneNumberType:
        return cls(
            id=strawberry.ID(phone.id),
            number=phone.number,
            label=phone.label,
            status=phone.status,
            capabilities=sorted(phone.capabilities),
        )


@strawberry.type(name="User")
class UserType:
    id: strawberry.ID
    name: str
    email: str | None
    inbound_number: str | None

    @strawberry.field(description="The contacts assigned to the user.")
    async def contacts(
        self,
        info: Info[Context, None],
        first: int | None = 50,
        after: str | None = None,
    ) -> ContactConnection:
        contact_filter = ContactFilter(assigned_user_id=str(self.id))
        return await contact_connection(info.context, contact_filter, first, after)

    @classmethod
    def from_record(cls, user: records.User) -> UserType:
        return cls(
            id=strawberry.ID(user.id),
            name=user.name,
            email=user.email,
            inbound_number=user.inbound_number,
        )


@strawberry.type(
    name="SelectionChange", description="One change of a cached selection."
)
class SelectionChangeType:
    at: datetime
    previous_number: str | None
    previous_reason: SelectionReason | None
    number: str | None
    reason: SelectionReason
    cause: str = strawberry.field(
        description="The mutation that made the change, or `recompute`."
    )
    request_id: str | None
    job_id: strawberry.ID | None

    @classmethod
    def from_record(cls, change: records.SelectionChange) -> SelectionChangeType:
        return cls(
            at=change.at,
            previous_number=change.previous_number,
            previous_reason=change.previous_reason,
            number=change.number,
            reason=change.reason,
            cause=change.cause,
            request_id=change.request_id,
            job_id=None if change.job_id is None else strawberry.ID(change.job_id),
        )


@strawberry.type(name="Contact")
class ContactType:
    """A contact, and the user it is assigned to as this request loaded it.

    The user is loaded before the contact is handed to GraphQL (a page's
    users in one batch), so that the fields below are plain functions: a
    coroutine per field of every contact of a page would cost more than
    the fields themselves.
    """

    id: strawberry.ID
    name: str
    phone: str
    last_outbound_number: str | None
    last_contacted_at: datetime | None
    _record: strawberry.Private[records.Contact]
    _user: strawberry.Private[records.User | None]

    @strawberry.field
    def assigned_user(self) -> UserType | None:
        return None if self._user is None else UserType.from_record(self._user)

    @strawberry.field(description="The number to reach the contact from, right now.")
    def outbound_number(
        self, info: Info[Context, None], channel: Channel | None = records.Channel.SMS
    ) -> str | None:
        return self._live_selection(info.context, channel).number

    @strawberry.field(description="The number to reach the contact from, and why.")
    def outbound_selection(
        self, info: Info[Context, None], channel: Channel | None = records.Channel.SMS
    ) -> OutboundSelectionType:
        selection = self._live_selection(info.context, channel)
        return OutboundSelectionType.from_record(selection)

    @strawberry.field(description="Changes of the cached SMS selection, newest first.")
    async def selection_history(
        self, info: Info[Context, None], first: int | None = 20
    ) -> list[SelectionChangeType]:
        context = info.context
        changes = await context.runtime.store.contacts.selection_history(
            context.location.id, self._record.id, _page_size(context, first, 20)
        )
        return [SelectionChangeType.from_record(change) for change in changes]

    def _live_selection(
        self, context: Context, channel: records.Channel | None
    ) -> records.Selection:
        # The location as this request sees it now, after any mutation.
        return select_outbound_number(
            assigned_user_id=self._record.assigned_user_id,
            assigned_user=self._user,
            last_outbound_number=self._record.last_outbound_number,
            location=context.location,
            channel=channel or records.Channel.SMS,
        )

    @classmethod
    def from_record(
        cls, contact: records.Contact, user: records.User | None
    ) -> ContactType:
        return cls(
            id=strawberry.ID(contact.id),
            name=contact.name,
            phone=contact.phone,
            last_outbound_number=contact.last_outbound_number,
            last_contacted_at=contact.last_contacted_at,
            _record=contact,
            _user=user,
        )


async def contact_type(context: Context, contact: records.Contact) -> ContactType:
    """One contact for GraphQL, with its assigned user loaded."""
    [node] = await contact_types(context, [contact])
    return node


async def contact_types(
    context: Context, contacts: Sequence[records.Contact]
) -> list[ContactType]:
    """Contacts for GraphQL, with their assigned users loaded in one batch."""
    user_ids = [c.assigned_user_id for c in contacts if c.assigned_user_id]
    loaded = await context.users.load_many(user_ids) if user_ids else []
    users = {user.id: user for user in loaded if user is not None}
    return [ContactType.from_record(c, _assigned_user(c, users)) for c in contacts]


def _assigned_user(
    contact: records.Contact, users: dict[str, records.User]
) -> records.User | None:
    """None when unassigned, or when the user no longer exists."""
    user_id = contact.assigned_user_id
    return None if user_id is None else users.get(user_id)


@strawberry.type(name="ContactEdge")
class ContactEdge:
    cursor: str
    node: ContactType


@strawberry.type(name="PageInfo")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type(name="ContactConnection")
class ContactConnection:
    page_info: PageInfo
    _contacts: strawberry.Private[list[records.Contact]]
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field
    async def edges(self, info: Info[Context, None]) -> list[ContactEdge]:
        # The users are read only when the edges are asked for.
        nodes = await contact_types(info.context, self._contacts)
        return [ContactEdge(cursor=encode_cursor(node.id), node=node) for node in nodes]

    @strawberry.field(description="How many contacts match, on every page.")
    async def total_count(self) -> int:
        # Counted only when asked for: a count can cost more than the page.
        return await self._count()


async def contact_connection(
    context: Context,
    contact_filter: ContactFilter,
    first: int | None,
    after: str | None,
) -> ContactConnection:
    """One page of the contacts `contact_filter` matches, in `_id` order."""
    limit = _page_size(context, first)
    after_id = None if after is None else decode_cursor(after)
    location_id = context.location.id
    contacts = context.runtime.store.contacts

    # One more than asked for tells whether another page follows.
    found = await contacts.page(
        location_id, contact_filter, after_id=after_id, limit=limit + 1
    )
    page = found[:limit]

    async def count() -> int:
        return await contacts.count(location_id, contact_filter)

    return ContactConnection(
        page_info=PageInfo(
            has_next_page=len(found) > limit,
            end_cursor=encode_cursor(page[-1].id) if page else None,
        ),
        _contacts=page,
        _count=count,
    )


def _page_size(context: Context, first: int | None, default: int = 50) -> int:
    """`first` checked against the largest page; null asks for the default."""
    maximum = context.runtime.settings.max_page_size
    return checked_page_size(default if first is None else first, maximum)


@strawberry.type(name="RecomputeJob")
class RecomputeJobType:
    id: strawberry.ID
    kind: RecomputeJobKind
    status: RecomputeJobStatus
    cause: str
    contacts_total: int | None
    contacts_done: int
    retries: int
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    last_error: str | None

    @classmethod
    def from_record(cls, job: records.RecomputeJob) -> RecomputeJobType:
        return cls(
            id=strawberry.ID(job.id),
            kind=job.kind,
            status=job.status,
            cause=job.cause,
            contacts_total=job.contacts_total,
            contacts_done=job.contacts_done,
            retries=job.retries,
            queued_at=job.queued_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            last_error=job.last_error,
        )


@strawberry.type(name="Location")
class LocationType:
    id: strawberry.ID
    name: str
    default_outbound_number: str | None
    phone_numbers: list[PhoneNumberType]

    @strawberry.field(description="The location's latest recompute jobs, newest first.")
    async def recompute_jobs(
        self, info: Info[Context, None], first: int | None = 20
    ) -> list[RecomputeJobType]:
        jobs = await info.context.runtime.store.jobs.recent(
            str(self.id), _page_size(info.context, first, 20)
        )
        return [RecomputeJobType.from_record(job) for job in jobs]

    @classmethod
    def from_record(cls, location: records.Location) -> LocationType:
        return cls(
            id=strawberry.ID(location.id),
            name=location.name,
            default_outbound_number=location.default_outbound_number,
            phone_numbers=[
                PhoneNumberType.from_record(p) for p in location.phone_numbers
            ],
        )


@strawberry.type(name="CreatedLocation")
class CreatedLocation:
    location: LocationType
    api_key: str = strawberry.field(description="Shown once; only its hash is kept.")


@strawberry.input(name="ContactFilter")
class ContactFilterInput:
    assigned_user_id: strawberry.ID | None = None
    unassigned: bool | None = None
    outbound_number: str | None = strawberry.field(
        default=None, description="Matches the cached SMS selection."
    )
    reason: SelectionReason | None = strawberry.field(
        default=None, description="Matches the cached SMS selection."
    )
