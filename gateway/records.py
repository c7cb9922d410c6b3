"""The domain's records: plain, immutable values passed between the layers.

The store turns documents into these records and back; the rules, the
resolvers and the tasks only ever see records, never documents.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class NumberStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    RELEASED = "RELEASED"


class Channel(enum.StrEnum):
    """How a message reaches the contact; a number may serve some of these."""

    SMS = "SMS"
    MMS = "MMS"
    VOICE = "VOICE"


ALL_CHANNELS = frozenset(Channel)


class Reason(enum.StrEnum):
    """Which rule chose the outbound number, in order of precedence."""

    ASSIGNED_USER_INBOUND = "ASSIGNED_USER_INBOUND"
    PREVIOUS_NUMBER = "PREVIOUS_NUMBER"
    DEFAULT_OUTBOUND = "DEFAULT_OUTBOUND"
    NO_NUMBER_AVAILABLE = "NO_NUMBER_AVAILABLE"


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    id: str
    number: str
    label: str | None
    status: NumberStatus
    capabilities: frozenset[Channel] = ALL_CHANNELS

    @property
    def is_active(self) -> bool:
        return self.status is NumberStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class Location:
    """One tenant: its pool of numbers, its default outbound number.

    `selection_revision` grows by one with every change to something many
    selections share (the default, the pool, any user's inbound number), so
    that a cached selection can say how fresh the inputs it used were.
    """

    id: str
    name: str
    default_outbound_number: str | None
    phone_numbers: tuple[PhoneNumber, ...]
    selection_revision: int
    pool: dict[str, PhoneNumber] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pool = {phone.number: phone for phone in self.phone_numbers}
        object.__setattr__(self, "pool", pool)


@dataclass(frozen=True, slots=True)
class User:
    id: str
    location_id: str
    name: str
    email: str | None
    inbound_number: str | None


@dataclass(frozen=True, slots=True)
class Selection:
    """The number to send from, the rule that chose it, and why in words."""

    number: str | None
    reason: Reason
    explanation: str


@dataclass(frozen=True, slots=True)
class CachedSelection:
    """A selection as stored on the contact: no words, plus its freshness."""

    number: str | None
    reason: Reason
    revision: int


@dataclass(frozen=True, slots=True)
class ContactState:
    """What a contact's selection depends on, and the selection cached for it."""

    id: str
    assigned_user_id: str | None
    last_outbound_number: str | None
    cached_selection: CachedSelection | None


@dataclass(frozen=True, slots=True)
class Contact:
    id: str
    location_id: str
    name: str
    phone: str
    assigned_user_id: str | None
    last_outbound_number: str | None
    last_contacted_at: datetime | None
    cached_selection: CachedSelection | None

    @property
    def state(self) -> ContactState:
        return ContactState(
            id=self.id,
            assigned_user_id=self.assigned_user_id,
            last_outbound_number=self.last_outbound_number,
            cached_selection=self.cached_selection,
        )


@dataclass(frozen=True, slots=True)
class Cause:
    """What made a selection change: a mutation, or a recompute job."""

    name: str
    request_id: str | None = None
    job_id: str | None = None


@dataclass(frozen=True, slots=True)
class SelectionChange:
    """One entry of a contact's selection history: from what, to what, why."""

    at: datetime
    previous_number: str | None
    previous_reason: Reason | None
    number: str | None
    reason: Reason
    cause: str
    request_id: str | None = None
    job_id: str | None = None


class JobKind(enum.StrEnum):
    """What changed, and so which contacts a recompute job covers."""

    USER_INBOUND = "USER_INBOUND"
    DEFAULT_OUTBOUND = "DEFAULT_OUTBOUND"
    POOL = "POOL"
    FULL = "FULL"


class JobStatus(enum.StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


@dataclass(frozen=True, slots=True)
class ChunkBounds:
    """An `_id` range of contacts, inclusive at both ends, and their count."""

    first_id: str
    last_id: str
    count: int


@dataclass(frozen=True, slots=True)
class Chunk:
    """One `_id` range of a job's contacts, recomputed as a unit."""

    index: int
    first_id: str
    last_id: str
    count: int


@dataclass(frozen=True, slots=True)
class RecomputeJob:
    id: str
    location_id: str
    kind: JobKind
    status: JobStatus
    user_id: str | None
    number: str | None
    cause: str
    request_id: str | None
    contacts_total: int | None
    contacts_done: int
    chunks_total: int | None
    chunks_done: int
    retries: int
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    last_error: str | None

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)
