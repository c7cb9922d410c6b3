"""Recompute jobs from the moment a change is made until a runner has them.

A change that can move many selections is wrapped in `RecomputeOutbox.change`:
the job is written first, the change next, and only then is the job
committed and handed to the runner, in the background: a mutation never
waits on the broker. If the broker is down the job simply waits; the
periodic sweep hands it over later, and also hands over again any job that
has gone quiet for longer than the stall deadline.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from gateway import metrics
from gateway.errors import GatewayError
from gateway.records import Cause, JobKind, RecomputeJob
from gateway.runners import JobRunner
from gateway.store import Store

logger = logging.getLogger(__name__)

# Once the broker has refused a job, new jobs are left to the sweep for this
# long rather than each waiting for its own refusal (the Redis client takes
# seconds to give up on a broker that is down).
BROKER_REST_SECONDS = 10.0


class RecomputeOutbox:
    def __init__(self, store: Store, runner: JobRunner, stall_seconds: float) -> None:
        self._store = store
        self._runner = runner
        self._stall = timedelta(seconds=stall_seconds)
        self._handing_over: set[asyncio.Task[bool]] = set()
        self._broker_rests_until = 0.0

    @asynccontextmanager
    async def change(
        self,
        location_id: str,
        kind: JobKind,
        cause: Cause,
        *,
        user_id: str | None = None,
        number: str | None = None,
    ) -> AsyncIterator[None]:
        """Make the change inside the block; a recompute follows it.

        If the block refuses the change (a GatewayError), the job is
        forgotten. Any other failure may have left the change half made, so
        the job stays: the sweep runs it once the stall deadline passes.
        """
        job = await self._store.jobs.create(
            location_id, kind, cause, user_id=user_id, number=number, committed=False
        )
        try:
            yield
        except GatewayError:
            await self._store.jobs.discard(job.id)
            raise

        if not await self._store.jobs.commit(job.id):
            # The sweep took this job for one a crash had left behind and may
            # have run it before the change landed; queue another after it.
            job = await self._store.jobs.create(
                location_id, kind, cause, user_id=user_id, number=number, committed=True
            )
        self._hand_over_soon(job)

    async def enqueue(
        self, location_id: str, kind: JobKind, cause: Cause
    ) -> RecomputeJob:
        """Queue a recompute that follows no change, such as a full one."""
        job = await self._store.jobs.create(location_id, kind, cause, committed=True)
        self._hand_over_soon(job)
        return job

    async def dispatch(self, job: RecomputeJob) -> bool:
        """Hand the job to the runner now; False when it must wait."""
        try:
            await self._runner.dispatch(job)
        except Exception as error:
            self._broker_rests_until = time.monotonic() + BROKER_REST_SECONDS
            logger.warning(
                "Recompute job %s waits in the outbox: %s.",
                job.id,
                error,
                extra={"job_id": job.id, "location_id": job.location_id},
            )
            return False

        self._broker_rests_until = 0.0
        await self._store.jobs.mark_dispatched(job.id)
        return True

    async def drain(self) -> None:
        """Wait until the jobs being handed over, and any work this process
        runs itself, are done."""
        while self._handing_over:
            await asyncio.gather(*self._handing_over, return_exceptions=True)
        await self._runner.drain()

    def _hand_over_soon(self, job: RecomputeJob) -> None:
        # Every committed job passes here once, whether handed over now or
        # left to the sweep.
        metrics.recompute_jobs_created.labels(kind=job.kind.value).inc()
        if time.monotonic() < self._broker_rests_until:
            return
        task = asyncio.create_task(self.dispatch(job), name=f"dispatch-{job.id}")
        self._handing_over.add(task)
        task.add_done_callback(self._handing_over.discard)

    async def sweep(self) -> int:
        """Hand over every job that is due; returns how many were handed."""
        handed = 0
        for job in await self._store.jobs.due_for_dispatch(self._stall):
            logger.info(
                "Dispatching recompute job %s again (%s).",
                job.id,
                job.status.value,
                extra={"job_id": job.id, "location_id": job.location_id},
            )
            handed += await self.dispatch(job)
        return handed

    async def sweep_forever(self, interval_seconds: float) -> None:
        while True:
            await asyncio.sleep(interval_seconds)
            try:
                await self.sweep()
            except Exception:
                logger.exception("The recompute sweep failed; it runs again shortly.")
