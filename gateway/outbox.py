"""Recompute jobs from the moment a change is made until a runner has them.

A change that can move many selections is wrapped in `RecomputeOutbox.change`:
the job is written first, the change next, and only then is the job
committed and handed to the runner. If the broker is down the job simply
waits; the periodic sweep hands it over later, and also hands over again any
job that has gone quiet for longer than the stall deadline.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from gateway.errors import GatewayError
from gateway.records import Cause, JobKind, RecomputeJob
from gateway.runners import JobRunner
from gateway.store import Store

logger = logging.getLogger(__name__)


class RecomputeOutbox:
    def __init__(self, store: Store, runner: JobRunner, stall_seconds: float) -> None:
        self._store = store
        self._runner = runner
        self._stall = timedelta(seconds=stall_seconds)

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
        await self.dispatch(job)

    async def enqueue(
        self, location_id: str, kind: JobKind, cause: Cause
    ) -> RecomputeJob:
        """Queue a recompute that follows no change, such as a full one."""
        job = await self._store.jobs.create(location_id, kind, cause, committed=True)
        await self.dispatch(job)
        return job

    async def dispatch(self, job: RecomputeJob) -> bool:
        try:
            await self._runner.dispatch(job)
        except Exception as error:
            logger.warning(
                "Recompute job %s waits in the outbox: %s.",
                job.id,
                error,
                extra={"job_id": job.id, "location_id": job.location_id},
            )
            return False

        await self._store.jobs.mark_dispatched(job.id)
        return True

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
