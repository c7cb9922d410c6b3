"""Bringing cached selections up to date: a few contacts, a chunk, a job.

Why the caches converge whatever order the work runs in:

- A writer reads the location first: its `selection_revision` stamps the
  selection, and everything read afterwards is at least that fresh.
- A write applies only while the contact is still as the writer read it,
  and never over a selection stamped with a newer revision.
- Every change to shared inputs bumps the revision after its data is
  written, and is followed by a job that reads everything afresh: the last
  job after the last change writes with the highest revision and wins.
- A mutation that changes one contact checks the revision again after its
  write, and refreshes the contact if the revision moved meanwhile (a job
  may have scanned for contacts before this one joined its scope).

A chunk is read and written in two steps so that tests can put other
changes between them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

from gateway import metrics
from gateway.records import (
    CachedSelection,
    Cause,
    Chunk,
    ContactState,
    Location,
    RecomputeJob,
    User,
)
from gateway.rules import select_outbound_number
from gateway.store import SelectionWrite, Store

logger = logging.getLogger(__name__)

# Rounds of write, re-read, write again before giving up on contacts that
# keep changing under the writer. Each round needs a concurrent change to
# the very same contacts, so five is already far beyond what real traffic
# produces.
MAX_WRITE_ROUNDS = 5


# Given contacts as re-read after a write that may not have applied, and the
# writes that were attempted for them, the writes to attempt now.
Redo = Callable[
    [list[ContactState], dict[str, SelectionWrite]], Awaitable[list[SelectionWrite]]
]


class SelectionContention(Exception):
    """Contacts kept changing while their selections were being written."""


def cached_selection(
    state: ContactState, users: dict[str, User], location: Location
) -> CachedSelection:
    """The selection to cache for a contact, stamped with the revision used."""
    user_id = state.assigned_user_id
    selection = select_outbound_number(
        assigned_user_id=user_id,
        assigned_user=None if user_id is None else users.get(user_id),
        last_outbound_number=state.last_outbound_number,
        location=location,
    )
    return CachedSelection(
        number=selection.number,
        reason=selection.reason,
        revision=location.selection_revision,
    )


async def load_users(
    store: Store,
    location_id: str,
    states: Iterable[ContactState],
    users: dict[str, User],
) -> None:
    """Add to `users` the assigned users of `states` it does not hold yet."""
    missing = {
        s.assigned_user_id
        for s in states
        if s.assigned_user_id is not None and s.assigned_user_id not in users
    }
    if missing:
        for user in await store.users.get_many(location_id, missing):
            users[user.id] = user


async def write_until_settled(
    store: Store,
    location: Location,
    writes: Sequence[SelectionWrite],
    cause: Cause,
    redo: Redo,
) -> list[SelectionWrite]:
    """Write, then re-read the contacts whose write may not have applied and
    ask `redo` for new writes for them, until none is left.

    Returns the writes known to have applied.
    """
    applied: list[SelectionWrite] = []

    for _ in range(MAX_WRITE_ROUNDS):
        if not writes:
            return applied

        unsure = set(await store.contacts.write_selections(location.id, writes, cause))
        applied.extend(w for w in writes if w.before.id not in unsure)
        if not unsure:
            return applied

        states = await store.contacts.get_states(location.id, unsure)
        pending = {w.before.id: w for w in writes if w.before.id in unsure}
        writes = await redo(states, pending)

        # A write that did apply in a partly matched group shows up re-read
        # exactly as that write left it; it counts as applied, not redone.
        redone = {w.before.id for w in writes}
        applied.extend(
            pending[s.id]
            for s in states
            if s.id not in redone and _left_by(pending[s.id], s)
        )

    raise SelectionContention(f"{len(writes)} contacts kept changing")


def _left_by(write: SelectionWrite, state: ContactState) -> bool:
    cached = state.cached_selection
    return (
        cached == write.selection
        and state.assigned_user_id == write.assigned_user_id
        and state.last_outbound_number == write.last_outbound_number
    )


async def write_fresh_selections(
    store: Store, location: Location, states: Sequence[ContactState], cause: Cause
) -> None:
    """Cache, for each contact, the selection `location` gives it now."""
    users: dict[str, User] = {}

    async def refresh(
        states: Sequence[ContactState], _attempted: object = None
    ) -> list[SelectionWrite]:
        await load_users(store, location.id, states, users)
        return [
            SelectionWrite(
                before=state,
                assigned_user_id=state.assigned_user_id,
                last_outbound_number=state.last_outbound_number,
                selection=fresh,
            )
            for state in states
            if _needs_write(state, fresh := cached_selection(state, users, location))
        ]

    await write_until_settled(store, location, await refresh(states), cause, refresh)


def _needs_write(state: ContactState, fresh: CachedSelection) -> bool:
    """Whether `fresh` should replace what the contact has cached.

    A selection stamped with a newer revision is left alone, and so is one
    identical to `fresh`.
    """
    cached = state.cached_selection
    if cached is None or cached.revision < fresh.revision:
        return True
    return cached.revision == fresh.revision and cached != fresh


@dataclass(frozen=True, slots=True)
class ChunkRead:
    """What a chunk's write step needs, as its read step found it."""

    job: RecomputeJob
    chunk: Chunk
    location: Location | None
    states: list[ContactState]


async def read_chunk(store: Store, job: RecomputeJob, chunk: Chunk) -> ChunkRead:
    location = await store.locations.get(job.location_id)
    states = await store.contacts.chunk_states(
        job.location_id, job.user_id, chunk.first_id, chunk.last_id, chunk.count
    )
    return ChunkRead(job=job, chunk=chunk, location=location, states=states)


async def write_chunk(store: Store, read: ChunkRead) -> None:
    job, chunk = read.job, read.chunk
    if read.location is not None:
        cause = Cause("recompute", request_id=job.request_id, job_id=job.id)
        await write_fresh_selections(store, read.location, read.states, cause)
    metrics.recompute_chunks.inc()
    metrics.recompute_contacts.inc(len(read.states))

    counted = await store.jobs.complete_chunk(job.id, chunk.index, chunk.count)
    if counted is not None and counted.chunks_done == counted.chunks_total:
        finished = await store.jobs.finish(job.id)
        if finished is not None:
            metrics.job_finished(finished)
            logger.info(
                "Recompute job %s finished: %d contacts.",
                job.id,
                finished.contacts_done,
                extra={"job_id": job.id, "location_id": job.location_id},
            )


async def run_chunk(store: Store, job: RecomputeJob, chunk: Chunk) -> None:
    await write_chunk(store, await read_chunk(store, job, chunk))


async def plan_job(
    store: Store, job_id: str, chunk_size: int
) -> tuple[RecomputeJob, list[Chunk]] | None:
    """Start a job and split it into chunks, or find the chunks left to do.

    Safe to call again for the same job: a planned job keeps its chunks and
    only the unfinished ones come back. None when the job has finished.
    """
    job = await store.jobs.start(job_id)
    if job is None:
        return None

    chunks = await store.jobs.pending_chunks(job_id)
    if chunks is None:
        bounds = [
            b
            async for b in store.contacts.chunk_bounds(
                job.location_id, job.user_id, chunk_size
            )
        ]
        await store.jobs.save_plan(job_id, bounds)
        chunks = await store.jobs.pending_chunks(job_id) or []
        logger.info(
            "Recompute job %s started: %d contacts in %d chunks.",
            job_id,
            sum(b.count for b in bounds),
            len(bounds),
            extra={"job_id": job_id, "location_id": job.location_id},
        )

    if not chunks:
        finished = await store.jobs.finish(job_id)
        if finished is not None:
            metrics.job_finished(finished)
    return job, chunks


async def fail_job(store: Store, job_id: str, error: str) -> None:
    """Mark the job FAILED with `error`, unless it has already finished."""
    failed = await store.jobs.fail(job_id, error)
    if failed is not None:
        metrics.job_finished(failed)


async def run_job(store: Store, job_id: str, chunk_size: int) -> None:
    """Run a whole job here and now, chunk after chunk."""
    planned = await plan_job(store, job_id, chunk_size)
    if planned is None:
        return
    job, chunks = planned
    for chunk in chunks:
        await run_chunk(store, job, chunk)
