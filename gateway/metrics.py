"""Every Prometheus metric the gateway and the worker export, in one place.

Names follow Prometheus' conventions: one `outbound_gateway_` prefix,
seconds for durations, `_total` on counters, and label values drawn from
small fixed sets (an operation name from a client is first passed through
`OperationNames`). The gateway serves them at /metrics; a worker serves
those its processes counted on WORKER_METRICS_PORT.

Recompute work is counted where it is done, so a job run inside the
gateway (the embedded default) shows in the gateway's metrics, and one run
by Celery in the worker's.
"""

from __future__ import annotations

import re

from prometheus_client import Counter, Gauge, Histogram

from gateway.records import JobStatus, RecomputeJob

PREFIX = "outbound_gateway"

# Distinct operation names kept as label values per process; names first
# seen after that are counted as OTHER_OPERATION. A schema this size has a
# few dozen operations a client may name; a hundred leaves room for every
# client's own names while bounding the series a runaway client can make.
MAX_OPERATION_NAMES = 100
ANONYMOUS_OPERATION = "anonymous"
OTHER_OPERATION = "other"

# A GraphQL name, short enough to be a label value.
_OPERATION_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")

graphql_operation_seconds = Histogram(
    f"{PREFIX}_graphql_operation_duration_seconds",
    "Time to answer one GraphQL operation, by operation name.",
    ["operation"],
)
graphql_errors = Counter(
    f"{PREFIX}_graphql_errors_total",
    "Errors in GraphQL responses, by operation name and error code.",
    ["operation", "code"],
)
graphql_refused = Counter(
    f"{PREFIX}_graphql_refused_total",
    "GraphQL requests refused before any operation ran (no key or an "
    "unknown one, or over the key's rate limit), by error code.",
    ["code"],
)

recompute_jobs_created = Counter(
    f"{PREFIX}_recompute_jobs_created_total",
    "Recompute jobs created and committed to run, by kind.",
    ["kind"],
)
recompute_jobs_finished = Counter(
    f"{PREFIX}_recompute_jobs_finished_total",
    "Recompute jobs that ended, by kind and status (SUCCEEDED or FAILED).",
    ["kind", "status"],
)
recompute_chunks = Counter(
    f"{PREFIX}_recompute_chunks_processed_total",
    "Recompute chunks processed (a chunk run again is counted again).",
)
recompute_contacts = Counter(
    f"{PREFIX}_recompute_contacts_processed_total",
    "Contacts whose cached selection a recompute chunk checked.",
)
recompute_retries = Counter(
    f"{PREFIX}_recompute_retries_total",
    "Recompute tasks retried after a transient error, by task.",
    ["task"],
)
recompute_outbox_jobs = Gauge(
    f"{PREFIX}_recompute_outbox_jobs",
    "Recompute jobs not finished yet, by status, counted in MongoDB when "
    "scraped; NaN when MongoDB did not answer.",
    ["status"],
)


def job_finished(job: RecomputeJob) -> None:
    recompute_jobs_finished.labels(kind=job.kind.value, status=job.status.value).inc()


def outbox_counted(counts: dict[JobStatus, int] | None) -> None:
    """Set the outbox gauge from counts by status; None when unknown."""
    for status in (JobStatus.QUEUED, JobStatus.RUNNING):
        value = float("nan") if counts is None else counts.get(status, 0)
        recompute_outbox_jobs.labels(status=status.value).set(value)


class OperationNames:
    """Turns the operation name a client sent into a bounded label value."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._seen: set[str] = set()

    def label(self, name: str | None) -> str:
        if name is None:
            return ANONYMOUS_OPERATION
        if not _OPERATION_NAME.fullmatch(name):
            return OTHER_OPERATION

        if name not in self._seen:
            if len(self._seen) >= self._limit:
                return OTHER_OPERATION
            self._seen.add(name)
        return name


operation_names = OperationNames(MAX_OPERATION_NAMES)
