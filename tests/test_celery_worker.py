"""Recomputes through the real Redis broker and real worker processes.

The worker is `outbound-gateway worker` in a subprocess. It shares the
test's database through the MongoDB wire stand-in (or MONGODB_URI, when a
real server is given), since an in-memory database cannot cross processes.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from gateway import locations
from gateway.recompute import plan_job
from gateway.records import JobKind, JobStatus, RecomputeJob
from gateway.runners import CeleryRunner
from gateway.runtime import Runtime, build_runtime
from gateway.store import ContactFilter, Store
from tests.support.caches import stale_selections
from tests.support.locations import CAMPAIGN, CAUSE, RIVERA, seed_location
from tests.support.mongo_wire import MongoWireServer
from tests.support.runners import RecordingRunner
from tests.support.scrapes import scrape
from tests.support.settings import make_settings
from tests.support.workers import (
    WAIT_SECONDS,
    PrivateRedis,
    Worker,
    empty_test_broker,
    free_port,
    worker_env,
)

# Short, so that redelivery after a worker's death happens within the test.
VISIBILITY_SECONDS = 3
# Longer than the visibility timeout, so that redelivery normally comes first.
STALL_SECONDS = 5


async def _finished(store: Store, job_id: str) -> RecomputeJob:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        job = await store.jobs.get(job_id)
        assert job is not None
        if job.is_finished:
            return job
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} still {job.status.value}")
        await asyncio.sleep(0.2)


async def _last_job(store: Store, location_id: str) -> RecomputeJob:
    [job] = await store.jobs.recent(location_id, 1)
    return job


async def test_a_worker_recomputes_a_changed_default(
    mongo_uri: str, shared_store: Store, tmp_path: Path
) -> None:
    broker = empty_test_broker()
    settings = make_settings(celery_broker_url=broker, recompute_chunk_size=7)
    runtime = build_runtime(settings, shared_store)
    assert isinstance(runtime.runner, CeleryRunner)
    location_id = await seed_location(runtime, 30)
    worker = Worker(
        worker_env(mongo_uri, shared_store, broker), tmp_path / "worker.log"
    )
    try:
        worker.wait_until_ready()
        # Let the jobs of the set-up finish, so the one under test is alone.
        for earlier in await shared_store.jobs.recent(location_id, 100):
            await _finished(shared_store, earlier.id)
        location = await shared_store.locations.get(location_id)
        assert location is not None

        await locations.set_default_outbound_number(runtime, location, CAMPAIGN, CAUSE)
        job = await _finished(
            shared_store, (await _last_job(shared_store, location_id)).id
        )
    finally:
        worker.stop()

    assert (job.status, job.contacts_done, job.contacts_total) == (
        JobStatus.SUCCEEDED,
        30,
        30,
    )
    assert job.kind is JobKind.DEFAULT_OUTBOUND
    assert await stale_selections(shared_store, location_id) == []
    [unassigned, *_] = await shared_store.contacts.page(
        location_id, ContactFilter(unassigned=True), after_id=None, limit=1
    )
    [latest] = await shared_store.contacts.selection_history(
        location_id, unassigned.id, 1
    )
    assert (latest.number, latest.cause, latest.job_id) == (
        CAMPAIGN,
        "recompute",
        job.id,
    )


async def _kill_mid_job(
    mongo_uri: str, store: Store, tmp_path: Path, **settings: str
) -> tuple[Runtime, RecomputeJob, dict[str, str]]:
    """A job of 120 one-contact chunks, and a worker killed in its middle."""
    broker = empty_test_broker()
    runtime = build_runtime(
        make_settings(celery_broker_url=broker, recompute_chunk_size=1, **settings),
        store,
    )
    location_id = await seed_location(runtime, 120)
    env = worker_env(
        mongo_uri,
        store,
        broker,
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_SECONDS),
        RECOMPUTE_CHUNK_SIZE="1",
    )
    worker = Worker(env, tmp_path / "killed.log")
    worker.wait_until_ready()
    location = await store.locations.get(location_id)
    assert location is not None

    await locations.set_default_outbound_number(runtime, location, CAMPAIGN, CAUSE)
    job_id = (await _last_job(store, location_id)).id
    await _until(store, job_id, lambda job: job.contacts_done > 0)
    worker.kill()

    killed_at = await store.jobs.get(job_id)
    assert killed_at is not None
    assert killed_at.contacts_done < 120, "the worker was killed after the job ended"
    return runtime, killed_at, env


async def test_a_worker_killed_mid_job_loses_nothing(
    mongo_uri: str, shared_store: Store, tmp_path: Path
) -> None:
    runtime, killed_at, env = await _kill_mid_job(
        mongo_uri, shared_store, tmp_path, job_stall_seconds=str(STALL_SECONDS)
    )

    # As deployed: another worker starts at once, and the gateway sweeps.
    # The chunk the dead worker held comes back from Redis once the
    # visibility timeout has passed. Redis can also lose a chunk outright,
    # when the worker dies between taking a message off the queue and
    # recording it as unacknowledged; the sweep hands the job over again
    # once it has shown no progress for the stall deadline.
    second = Worker(env, tmp_path / "second.log")
    sweeper = asyncio.create_task(runtime.outbox.sweep_forever(0.5))
    try:
        second.wait_until_ready()
        job = await _finished(shared_store, killed_at.id)
    finally:
        sweeper.cancel()
        second.stop()

    assert (job.status, job.contacts_done, job.contacts_total) == (
        JobStatus.SUCCEEDED,
        120,
        120,
    )
    assert await stale_selections(shared_store, killed_at.location_id) == []


async def test_a_job_whose_messages_were_lost_is_finished_by_the_sweep(
    mongo_uri: str, shared_store: Store, tmp_path: Path
) -> None:
    runtime, killed_at, env = await _kill_mid_job(
        mongo_uri, shared_store, tmp_path, job_stall_seconds="0.5"
    )
    # The broker loses everything it held, as a Redis without persistence
    # does when it restarts.
    empty_test_broker()
    await asyncio.sleep(1)

    second = Worker(env, tmp_path / "second.log")
    try:
        second.wait_until_ready()
        handed = await runtime.outbox.sweep()
        job = await _finished(shared_store, killed_at.id)
    finally:
        second.stop()

    assert handed >= 1
    assert (job.status, job.contacts_done) == (JobStatus.SUCCEEDED, 120)
    assert await stale_selections(shared_store, killed_at.location_id) == []


async def test_a_chunk_that_fails_twice_with_a_transient_error_is_retried(
    wire: MongoWireServer | None, mongo_uri: str, shared_store: Store, tmp_path: Path
) -> None:
    if wire is None:
        pytest.skip("faults are injected through the wire stand-in only")
    broker = empty_test_broker()
    held = RecordingRunner()
    runtime = build_runtime(make_settings(), shared_store, held)
    location_id = await seed_location(runtime, 10)
    location = await shared_store.locations.get(location_id)
    assert location is not None
    await locations.set_default_outbound_number(runtime, location, CAMPAIGN, CAUSE)
    # Planned here, so that the worker has exactly one chunk to run.
    await runtime.outbox.drain()
    planned = await plan_job(shared_store, held.dispatched[-1], 1000)
    assert planned is not None
    job, [chunk] = planned
    wire.fail_next("update", 2, collection="contacts")

    celery_runner = CeleryRunner(make_settings(celery_broker_url=broker))
    celery_runner._celery.send_task(
        "recompute.run_chunk",
        args=[job.id, chunk.index, chunk.first_id, chunk.last_id, chunk.count],
    )
    metrics_port = free_port()
    worker = Worker(
        worker_env(
            mongo_uri, shared_store, broker, WORKER_METRICS_PORT=str(metrics_port)
        ),
        tmp_path / "worker.log",
    )
    try:
        worker.wait_until_ready()
        finished = await _finished(shared_store, job.id)
        scraped = scrape(f"http://127.0.0.1:{metrics_port}/metrics")
    finally:
        worker.stop()

    assert finished.status is JobStatus.SUCCEEDED
    assert finished.retries == 2
    retries = "outbound_gateway_recompute_retries_total"
    assert scraped.value(retries, task="recompute.run_chunk") == 2
    assert "AutoReconnect" in (finished.last_error or "")
    assert await stale_selections(shared_store, location_id) == []


async def test_with_the_broker_down_mutations_succeed_and_jobs_wait_in_the_outbox(
    mongo_uri: str, shared_store: Store, tmp_path: Path
) -> None:
    outage = PrivateRedis(tmp_path)
    settings = make_settings(celery_broker_url=outage.url)
    runtime = build_runtime(settings, shared_store)
    location_id = await seed_location(runtime, 12)
    location = await shared_store.locations.get(location_id)
    assert location is not None

    location = await locations.set_default_outbound_number(
        runtime, location, CAMPAIGN, CAUSE
    )
    await locations.release_phone_number(runtime, location, RIVERA, CAUSE)

    waiting = await shared_store.jobs.recent(location_id, 100)
    assert {job.status for job in waiting} == {JobStatus.QUEUED}
    assert await stale_selections(shared_store, location_id) != []

    outage.start()
    worker = Worker(
        worker_env(mongo_uri, shared_store, outage.url), tmp_path / "worker.log"
    )
    try:
        worker.wait_until_ready()
        handed = await runtime.outbox.sweep()
        jobs = [await _finished(shared_store, job.id) for job in waiting]
    finally:
        worker.stop()
        outage.stop()

    assert handed == len(waiting)
    assert {job.status for job in jobs} == {JobStatus.SUCCEEDED}
    assert await stale_selections(shared_store, location_id) == []


async def _until(store: Store, job_id: str, condition) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        job = await store.jobs.get(job_id)
        if job is not None and condition(job):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} never got there")
        await asyncio.sleep(0.05)
