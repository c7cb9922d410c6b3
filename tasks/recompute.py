"""The recompute tasks: thin adapters from a message to `gateway.recompute`.

A job arrives as `plan_job(job_id)`, which splits it into chunks and sends
one `run_chunk` per chunk, so that every worker can take a share. Both are
safe to run twice. Transient database errors are retried with backoff; a
task that runs out of retries fails its job, visibly.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from typing import Any

from celery import Task, shared_task
from celery.signals import task_postrun, task_prerun, worker_process_init
from pymongo.errors import ConnectionFailure, ExecutionTimeout

from gateway import metrics, recompute
from gateway.logs import job_context
from gateway.records import Chunk, RecomputeJob
from gateway.store import Store
from tasks import worker_runtime

logger = logging.getLogger(__name__)

# Errors that say "not now" rather than "never": the database was briefly
# unreachable or slow, or contacts kept changing under the writer.
TRANSIENT_ERRORS = (ConnectionFailure, ExecutionTimeout, recompute.SelectionContention)

# The log context of each task running in this process, by task id, from
# task_prerun until task_postrun.
_job_contexts: dict[str, ExitStack] = {}


class RecomputeTask(Task[..., None]):
    autoretry_for = TRANSIENT_ERRORS
    # Waits of about 1, 2, 4, ... seconds, never more than a minute; eight
    # tries ride out a database fail-over, which takes seconds.
    retry_backoff = True
    retry_backoff_max = 60
    retry_jitter = True
    max_retries = 8
    acks_late = True

    def on_retry(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        job_id = args[0]
        metrics.recompute_retries.labels(task=self.name).inc()
        logger.warning(
            "Recompute job %s: %s will be retried after %s.",
            job_id,
            self.name,
            _describe(exc),
            extra={"job_id": job_id},
        )
        worker_runtime.run(
            lambda store: store.jobs.record_retry(job_id, _describe(exc))
        )

    def on_failure(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        job_id = args[0]
        logger.error(
            "Recompute job %s failed in %s: %s.",
            job_id,
            self.name,
            _describe(exc),
            extra={"job_id": job_id},
        )
        _note(lambda store: recompute.fail_job(store, job_id, _describe(exc)))


@shared_task(base=RecomputeTask, bind=True, name="recompute.plan_job")
def plan_job(self: RecomputeTask, job_id: str) -> None:
    chunk_size = worker_runtime.settings().recompute_chunk_size
    planned = worker_runtime.run(
        lambda store: recompute.plan_job(store, job_id, chunk_size)
    )
    if planned is None:
        return

    job, chunks = planned
    for chunk in chunks:
        run_chunk.apply_async(
            args=(job_id, chunk.index, chunk.first_id, chunk.last_id, chunk.count),
            headers=_headers(job),
        )


@shared_task(base=RecomputeTask, bind=True, name="recompute.run_chunk")
def run_chunk(
    self: RecomputeTask,
    job_id: str,
    index: int,
    first_id: str,
    last_id: str,
    count: int,
) -> None:
    chunk = Chunk(index=index, first_id=first_id, last_id=last_id, count=count)

    async def work(store: Store) -> None:
        job = await store.jobs.get(job_id)
        if job is None or job.is_finished:
            return
        await recompute.run_chunk(store, job, chunk)

    worker_runtime.run(work)


@worker_process_init.connect
def _forget_parent_state(**_: Any) -> None:
    worker_runtime.reset_after_fork()


@task_prerun.connect
def _enter_job_context(task_id: str, task: Task[..., Any], args: Any, **_: Any) -> None:
    """Every line logged until the task returns, retries included, carries
    the job id and the id of the request that caused the job (the header
    the gateway and `plan_job` send with each message)."""
    context = ExitStack()
    context.enter_context(job_context(args[0], task.request.get("request_id")))
    _job_contexts[task_id] = context


@task_postrun.connect
def _leave_job_context(task_id: str, **_: Any) -> None:
    context = _job_contexts.pop(task_id, None)
    if context is not None:
        context.close()


def _note(write: Callable[[Store], Awaitable[None]]) -> None:
    """Record a retry or a failure on the job, if the database lets us.

    The same outage that made the task fail can make this write fail too;
    the retry (or the failure) must go ahead regardless.
    """
    try:
        worker_runtime.run(write)
    except Exception:
        logger.exception("Could not record the state of a recompute job.")


def _headers(job: RecomputeJob) -> dict[str, str]:
    """The message headers that carry the job's request id to its chunks."""
    return {} if job.request_id is None else {"request_id": job.request_id}


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"
