"""A worker's metrics, scraped from a real `outbound-gateway worker` the way
Prometheus scrapes it, with the solo pool and with prefork children."""

from __future__ import annotations

import asyncio
import socket
import subprocess
from pathlib import Path

import pytest

from gateway.records import RecomputeJob
from gateway.store import Store
from tests.support.api import open_api
from tests.support.scrapes import Scrape, scrape
from tests.support.servers import command_env
from tests.support.settings import make_settings
from tests.support.tenants import add_numbers, create_contact, new_tenant
from tests.support.workers import (
    REDIS_HOST,
    WAIT_SECONDS,
    Worker,
    cli_path,
    empty_test_broker,
    free_port,
    wait_for,
    worker_env,
)

FRONT, RIVERA = "+12025550143", "+14155550100"
CONTACTS, CHUNK_SIZE = 10, 2
FINISHED = "outbound_gateway_recompute_jobs_finished_total"
SUCCEEDED = {"kind": "DEFAULT_OUTBOUND", "status": "SUCCEEDED"}


@pytest.mark.parametrize("pool", ["solo", "prefork"])
async def test_a_worker_serves_the_counts_of_the_recompute_it_ran(
    pool: str, mongo_uri: str, shared_store: Store, tmp_path: Path
) -> None:
    broker = empty_test_broker()
    api = await open_api(make_settings(celery_broker_url=broker), shared_store)
    tenant = await new_tenant(api)
    await add_numbers(api, tenant, FRONT, RIVERA)
    for i in range(CONTACTS):
        await create_contact(api, tenant, f"C{i}", f"+161755500{i:02d}")
    port = free_port()
    env = worker_env(
        mongo_uri,
        shared_store,
        broker,
        WORKER_METRICS_PORT=str(port),
        RECOMPUTE_CHUNK_SIZE=str(CHUNK_SIZE),
    )
    worker = Worker(env, tmp_path / "worker.log", pool=pool)
    url = f"http://{REDIS_HOST}:{port}/metrics"
    try:
        worker.wait_until_ready()
        before = scrape(url)
        await api.call(
            tenant.key,
            "mutation($n: String) { setDefaultOutboundNumber(number: $n) { id } }",
            n=FRONT,
        )
        [job] = await shared_store.jobs.recent(tenant.id, 1)
        await _finished(shared_store, job)
        # The last chunk is counted just after its job is marked finished.
        wait_for(
            lambda: (
                scrape(url).value(FINISHED, **SUCCEEDED)
                == before.value(FINISHED, **SUCCEEDED) + 1
            ),
            "the finished job to be counted",
        )
        after = scrape(url)
    finally:
        worker.stop()
        await api.drain()
        await api.close()

    assert _increase(before, after, "recompute_chunks_processed_total") == (
        CONTACTS / CHUNK_SIZE
    )
    assert _increase(before, after, "recompute_contacts_processed_total") == CONTACTS


def test_a_worker_whose_metrics_port_is_taken_says_so(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [cli_path(), "worker"],
            env=command_env(
                MONGODB_URI="mongodb://127.0.0.1:27017",
                CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
                WORKER_METRICS_PORT=str(port),
            ),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert result.returncode == 2
    assert f"WORKER_METRICS_PORT: cannot serve on {port}" in result.stderr
    assert "Traceback" not in result.stderr


async def _finished(store: Store, job: RecomputeJob) -> None:
    async def poll() -> None:
        while True:
            current = await store.jobs.get(job.id)
            if current is not None and current.is_finished:
                return
            await asyncio.sleep(0.1)

    await asyncio.wait_for(poll(), WAIT_SECONDS)


def _increase(before: Scrape, after: Scrape, name: str) -> float:
    full_name = f"outbound_gateway_{name}"
    return after.value(full_name) - before.value(full_name)
