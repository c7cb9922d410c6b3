"""Who runs a recompute job: a Celery worker, or this very process.

`make_runner` is the one place that decides. With a broker configured, a
job is a message to the workers; without one (the embedded default), the
job's coroutine is scheduled on the running event loop, since an eager
Celery call made from inside a running loop could not finish a coroutine.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from gateway.logs import job_context
from gateway.recompute import fail_job, run_job
from gateway.records import RecomputeJob
from gateway.settings import Settings
from gateway.store import Store

logger = logging.getLogger(__name__)

PLAN_TASK = "recompute.plan_job"


class JobRunner(Protocol):
    async def dispatch(self, job: RecomputeJob) -> None:
        """Hand the job over; raise when it cannot be handed over now."""

    async def drain(self) -> None:
        """Wait for the work this process started itself, if any."""


class InProcessRunner:
    """Runs jobs as tasks on the current event loop."""

    def __init__(self, store: Store, chunk_size: int) -> None:
        self._store = store
        self._chunk_size = chunk_size
        self._running: set[asyncio.Task[None]] = set()

    async def dispatch(self, job: RecomputeJob) -> None:
        task = asyncio.create_task(self._run(job), name=f"recompute-{job.id}")
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def drain(self) -> None:
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    async def _run(self, job: RecomputeJob) -> None:
        with job_context(job.id, job.request_id):
            try:
                await run_job(self._store, job.id, self._chunk_size)
            except Exception as error:
                logger.exception(
                    "Recompute job %s failed.", job.id, extra={"job_id": job.id}
                )
                await fail_job(self._store, job.id, f"{type(error).__name__}: {error}")


class CeleryRunner:
    """Sends jobs to the Celery workers through the broker."""

    def __init__(self, settings: Settings) -> None:
        from tasks.app import create_celery_app

        self._celery = create_celery_app(settings)

    async def dispatch(self, job: RecomputeJob) -> None:
        # Publishing is blocking network I/O; keep it off the event loop.
        await asyncio.to_thread(
            self._celery.send_task,
            PLAN_TASK,
            args=[job.id],
            headers={"request_id": job.request_id},
            retry=False,
        )

    async def drain(self) -> None:
        return None

    async def ping(self) -> None:
        """Raise unless the broker accepts a connection."""
        await asyncio.to_thread(self._connect_once)

    def _connect_once(self) -> None:
        with self._celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)


def make_runner(settings: Settings, store: Store) -> JobRunner:
    if settings.celery_broker_url is None:
        return InProcessRunner(store, settings.recompute_chunk_size)
    return CeleryRunner(settings)
