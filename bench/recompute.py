"""Recomputing a whole location's cached selections: throughput, round
trips and peak traced memory, and the one-at-a-time baseline."""

from __future__ import annotations

import tracemalloc
from dataclasses import dataclass

from bson import ObjectId

from bench.checks import require
from bench.clocks import Stopwatch
from bench.database import BenchDatabase
from bench.naive import recompute_one_by_one
from bench.seed import SeededLocation
from gateway.recompute import run_job
from gateway.records import Cause, JobKind
from gateway.store import Store

CAUSE = Cause("bench")


@dataclass(frozen=True, slots=True)
class RecomputeFigures:
    contacts: int
    contacts_per_second: float
    # CPU of this process per contact: the gateway's own work, with the
    # database's in its own process.
    cpu_us_per_contact: float
    database_cpu_us_per_contact: float
    round_trips_per_thousand: float
    peak_memory_bytes: int


@dataclass(frozen=True, slots=True)
class NaiveFigures:
    contacts: int
    contacts_per_second: float
    cpu_us_per_contact: float
    database_cpu_us_per_contact: float
    round_trips_per_thousand: float


async def measure_recompute(
    store: Store,
    seeded: SeededLocation,
    contacts: int,
    database: BenchDatabase,
    chunk_size: int,
) -> RecomputeFigures:
    """Two full recomputes after a change of the default number: one timed
    and counted, one traced (tracing slows Python down, so never both)."""
    location_id = seeded.location.id
    counter = database.commands()

    job_id = await _change_default_number(store, seeded)
    counter.reset()
    stopwatch = Stopwatch(database.cpu_seconds)
    await run_job(store, job_id, chunk_size)
    elapsed = stopwatch.elapsed()
    round_trips = counter.total
    await _check_all_written(store, location_id, job_id, contacts)

    job_id = await _change_default_number(store, seeded)
    tracemalloc.start()
    await run_job(store, job_id, chunk_size)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    await _check_all_written(store, location_id, job_id, contacts)

    return RecomputeFigures(
        contacts=contacts,
        contacts_per_second=contacts / elapsed.wall,
        cpu_us_per_contact=elapsed.cpu / contacts * 1e6,
        database_cpu_us_per_contact=elapsed.database_cpu / contacts * 1e6,
        round_trips_per_thousand=round_trips * 1000 / contacts,
        peak_memory_bytes=peak,
    )


async def measure_naive(
    store: Store, seeded: SeededLocation, sample: int, database: BenchDatabase
) -> NaiveFigures:
    """The baseline over the first `sample` contacts of the location, after
    the same kind of change."""
    await _change_default_number(store, seeded)
    location_id = seeded.location.id
    contact_ids = await _first_contact_ids(store, location_id, sample)

    counter = database.commands()
    counter.reset()
    stopwatch = Stopwatch(database.cpu_seconds)
    await recompute_one_by_one(store, location_id, contact_ids, CAUSE)
    elapsed = stopwatch.elapsed()

    count = len(contact_ids)
    return NaiveFigures(
        contacts=count,
        contacts_per_second=count / elapsed.wall,
        cpu_us_per_contact=elapsed.cpu / count * 1e6,
        database_cpu_us_per_contact=elapsed.database_cpu / count * 1e6,
        round_trips_per_thousand=counter.total * 1000 / count,
    )


async def _change_default_number(store: Store, seeded: SeededLocation) -> str:
    """Move the default to another active number, as the mutation does, and
    queue the job that follows it."""
    location = await store.locations.get(seeded.location.id)
    assert location is not None
    others = [
        phone.number
        for phone in location.phone_numbers
        if phone.is_active and phone.number != location.default_outbound_number
    ]
    changed = await store.locations.set_default_outbound_number(location.id, others[-1])
    assert changed is not None
    job = await store.jobs.create(
        location.id, JobKind.DEFAULT_OUTBOUND, CAUSE, committed=True
    )
    return job.id


async def _check_all_written(
    store: Store, location_id: str, job_id: str, contacts: int
) -> None:
    job = await store.jobs.get(job_id)
    location = await store.locations.get(location_id)
    assert job is not None
    assert location is not None
    require(
        job.contacts_done == contacts,
        f"the job counted {job.contacts_done} of {contacts} contacts",
    )

    fresh = await store.database["contacts"].count_documents(
        {
            "locationId": ObjectId(location_id),
            "selection.revision": location.selection_revision,
        }
    )
    require(fresh == contacts, f"{fresh} of {contacts} contacts recomputed")


async def _first_contact_ids(store: Store, location_id: str, count: int) -> list[str]:
    [first, *_] = [
        b async for b in store.contacts.chunk_bounds(location_id, None, count)
    ]
    states = await store.contacts.chunk_states(
        location_id, None, first.first_id, first.last_id, first.count
    )
    return [state.id for state in states]
