"""Races staged step by step: the store never yields on its own, so each
test puts one change exactly where a real race would put it."""

from __future__ import annotations

import pytest

from gateway import contacts, locations, users
from gateway.recompute import plan_job, read_chunk, run_chunk, write_chunk
from gateway.records import Cause, Reason
from gateway.runtime import Runtime, build_runtime
from gateway.settings import Settings
from gateway.store import Store
from tests.support.caches import stale_selections
from tests.support.runners import RecordingRunner

FRONT, RIVERA, CAMPAIGN = "+12025550143", "+14155550100", "+12125550199"
CAUSE = Cause("test")


@pytest.fixture
def runner() -> RecordingRunner:
    return RecordingRunner()


@pytest.fixture
async def runtime(settings: Settings, store: Store, runner: RecordingRunner) -> Runtime:
    return build_runtime(settings, store, runner)


async def _location(runtime: Runtime):  # type: ignore[no-untyped-def]
    location, _ = await locations.create_location(runtime, "Races")
    for number in (FRONT, RIVERA, CAMPAIGN):
        _, location = await locations.add_phone_number(
            runtime, location, number, None, CAUSE
        )
    return location


async def _next_job(runtime: Runtime, runner: RecordingRunner) -> str:
    """The job the last change queued, once the outbox has handed it over."""
    await runtime.outbox.drain()
    return runner.dispatched.pop()


async def _run_all(runtime: Runtime, runner: RecordingRunner) -> None:
    await runtime.outbox.drain()
    while runner.dispatched:
        planned = await plan_job(runtime.store, runner.dispatched.pop(0), 1000)
        if planned is not None:
            job, chunks = planned
            for chunk in chunks:
                await run_chunk(runtime.store, job, chunk)


async def test_a_late_chunk_write_never_replaces_a_newer_selection(
    runtime: Runtime, runner: RecordingRunner
) -> None:
    location = await _location(runtime)
    location = await locations.set_default_outbound_number(
        runtime, location, FRONT, CAUSE
    )
    await contacts.create_contact(runtime, location, "Dev", "+16175550111", None, CAUSE)
    await _run_all(runtime, runner)

    # The default moves to CAMPAIGN; that job reads its chunk...
    location = await locations.set_default_outbound_number(
        runtime, location, CAMPAIGN, CAUSE
    )
    planned = await plan_job(runtime.store, await _next_job(runtime, runner), 1000)
    assert planned is not None
    job, [chunk] = planned
    late = await read_chunk(runtime.store, job, chunk)
    # ...then the default moves back, and that job runs to the end...
    await locations.set_default_outbound_number(runtime, location, FRONT, CAUSE)
    await _run_all(runtime, runner)
    # ...before the first job's write finally lands.
    await write_chunk(runtime.store, late)

    assert await stale_selections(runtime.store, location.id) == []


async def test_a_mutation_refreshes_a_contact_a_job_scanned_too_early_for(
    runtime: Runtime, runner: RecordingRunner
) -> None:
    location = await _location(runtime)
    ana = await users.create_user(runtime, location, "Ana", None, RIVERA)
    dev = await contacts.create_contact(
        runtime, location, "Dev", "+16175550111", None, CAUSE
    )
    write = runtime.store.contacts.write_selections

    async def inbound_changes_and_its_job_runs(*args, **kwargs):  # type: ignore[no-untyped-def]
        # assignContact has read Ana's inbound number; before its write
        # lands, the number changes and the job for Ana's contacts runs,
        # finding none, since Dev is not yet hers.
        runtime.store.contacts.write_selections = write  # type: ignore[method-assign]
        await users.set_user_inbound_number(runtime, location, ana.id, CAMPAIGN, CAUSE)
        await _run_all(runtime, runner)
        return await write(*args, **kwargs)

    runtime.store.contacts.write_selections = inbound_changes_and_its_job_runs  # type: ignore[method-assign]
    await contacts.assign_contact(runtime, location, dev.id, ana.id, CAUSE)

    assert await stale_selections(runtime.store, location.id) == []
    [cached] = [
        c.cached_selection
        for c in await runtime.store.contacts.get_many(location.id, [dev.id])
    ]
    assert cached is not None
    assert (cached.number, cached.reason) == (CAMPAIGN, Reason.ASSIGNED_USER_INBOUND)


async def test_a_chunk_write_yields_to_a_reassignment_made_after_its_read(
    runtime: Runtime, runner: RecordingRunner
) -> None:
    location = await _location(runtime)
    ana = await users.create_user(runtime, location, "Ana", None, RIVERA)
    dev = await contacts.create_contact(
        runtime, location, "Dev", "+16175550111", None, CAUSE
    )
    location = await locations.set_default_outbound_number(
        runtime, location, FRONT, CAUSE
    )
    planned = await plan_job(runtime.store, await _next_job(runtime, runner), 1000)
    assert planned is not None
    job, [chunk] = planned
    read = await read_chunk(runtime.store, job, chunk)

    await contacts.assign_contact(runtime, location, dev.id, ana.id, CAUSE)
    await write_chunk(runtime.store, read)

    assert await stale_selections(runtime.store, location.id) == []


async def test_a_chunk_run_twice_counts_once(
    runtime: Runtime, runner: RecordingRunner
) -> None:
    location = await _location(runtime)
    for i in range(3):
        await contacts.create_contact(
            runtime, location, f"C{i}", f"+1617555000{i}", None, CAUSE
        )
    job = await runtime.outbox.enqueue(
        location.id, __import__("gateway.records").records.JobKind.FULL, CAUSE
    )
    planned = await plan_job(runtime.store, await _next_job(runtime, runner), 2)
    assert planned is not None
    _, chunks = planned

    for chunk in [chunks[0], chunks[0], chunks[1], chunks[0]]:
        await run_chunk(runtime.store, job, chunk)

    finished = await runtime.store.jobs.get(job.id)
    assert finished is not None
    assert (finished.status.value, finished.contacts_done, finished.contacts_total) == (
        "SUCCEEDED",
        3,
        3,
    )
