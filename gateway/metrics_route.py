"""/metrics: this process's metrics in Prometheus' text format.

The outbox's depth is read from MongoDB at each scrape rather than kept up
to date by every writer: jobs are written by gateways and workers alike,
and only the database knows them all.
"""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.requests import Request
from starlette.responses import Response

from gateway import metrics
from gateway.records import JobStatus
from gateway.store import Store

logger = logging.getLogger(__name__)

# A scrape waits no longer than this for MongoDB; Prometheus' own default
# scrape timeout is 10 seconds, and every other metric must still arrive.
COUNT_TIMEOUT_SECONDS = 3.0


async def metrics_endpoint(request: Request) -> Response:
    store: Store = request.app.state.runtime.store
    metrics.outbox_counted(await _outbox_counts(store))
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


async def _outbox_counts(store: Store) -> dict[JobStatus, int] | None:
    try:
        return await asyncio.wait_for(
            store.jobs.count_unfinished_by_status(), COUNT_TIMEOUT_SECONDS
        )
    except Exception as error:
        logger.warning("Could not count the recompute outbox: %s.", error)
        return None
