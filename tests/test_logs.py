"""Logging: one configuration for the gateway, uvicorn and the worker, and
the ids that let an operator follow a request into the recompute it caused.

The gateway and the worker run as real commands in subprocesses; their
logs are read back from the files they wrote.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.logs import configure_logging, job_context
from gateway.records import RecomputeJob
from gateway.store import Store
from tests.support.api import Api, open_api
from tests.support.servers import Gateway
from tests.support.settings import make_settings
from tests.support.tenants import add_numbers, create_contact, new_tenant
from tests.support.workers import (
    WAIT_SECONDS,
    Worker,
    empty_test_broker,
    wait_for,
    worker_env,
)

REQUEST_ID = "trace-0123456789"
FRONT, CAMPAIGN = "+12025550143", "+12125550199"
# A number in the embedded demo's pool.
DR_RIVERA = "+14155550100"
# Celery's signal handler prints this, after an empty line, straight to
# stderr rather than through logging.
CELERY_SHUTDOWN_NOTICE = ("", "worker: Warm shutdown (MainProcess)")
SET_DEFAULT = "mutation($n: String) { setDefaultOutboundNumber(number: $n) { id } }"


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """Put back the logging configuration a test replaces."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_text_lines_end_with_the_ids_of_their_request_and_job(
    restored_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(make_settings(log_format="text"))

    with job_context("job-1", "request-1"):
        logging.getLogger("tests.logs").info("Chunk %d done.", 3)

    assert "INFO tests.logs: Chunk 3 done. [request_id=request-1 job_id=job-1]" in (
        capsys.readouterr().err
    )


def test_the_gateway_logs_every_line_as_json_with_its_ids(tmp_path: Path) -> None:
    gateway = Gateway(tmp_path, LOG_FORMAT="json")
    try:
        gateway.wait_until_ready()
        key = gateway.demo_api_key()
        response = httpx.post(
            f"{gateway.url}/graphql",
            json={"query": SET_DEFAULT, "variables": {"n": DR_RIVERA}},
            headers={"Authorization": f"Bearer {key}", "x-request-id": REQUEST_ID},
        )
        assert response.json()["data"], response.text
        wait_for(lambda: _finished_job(gateway.stderr) is not None, "the recompute")
    finally:
        gateway.stop()

    lines = _json_lines(gateway.stderr)
    assert _messages(lines, "uvicorn.error", "Uvicorn running on")
    [access] = _messages(lines, "uvicorn.access", "POST /graphql")
    assert access["request_id"] == REQUEST_ID
    job_id = _finished_job(gateway.stderr)
    job_lines = [line for line in lines if line.get("job_id") == job_id]
    assert len(job_lines) >= 2
    assert {line.get("request_id") for line in job_lines} == {REQUEST_ID}


async def test_a_worker_logs_every_line_of_a_job_with_the_ids_that_caused_it(
    mongo_uri: str, shared_store: Store, tmp_path: Path
) -> None:
    broker = empty_test_broker()
    api = await open_api(make_settings(celery_broker_url=broker), shared_store)
    tenant = await new_tenant(api)
    await add_numbers(api, tenant, FRONT, CAMPAIGN)
    for i in range(3):
        await create_contact(api, tenant, f"C{i}", f"+1617555000{i}")
    env = worker_env(mongo_uri, shared_store, broker, LOG_FORMAT="json")
    worker = Worker(env, tmp_path / "worker.log")
    try:
        worker.wait_until_ready()
        job = await _job_caused_by(api, tenant.key, tenant.id, shared_store)
    finally:
        worker.stop()
        await api.drain()
        await api.close()

    lines = _json_lines(worker.log)
    assert _messages(lines, "celery.apps.worker", "ready.")
    job_lines = [line for line in lines if line.get("job_id") == job.id]
    assert {line.get("request_id") for line in job_lines} == {REQUEST_ID}
    # Celery's own lines carry the ids too, though nothing passed them.
    succeeded = _messages(job_lines, "celery.app.trace", "succeeded")
    assert {line["message"].split("[")[0] for line in succeeded} == {
        "Task recompute.plan_job",
        "Task recompute.run_chunk",
    }
    assert _messages(job_lines, "gateway.recompute", "finished")


async def _job_caused_by(
    api: Api, key: str, location_id: str, store: Store
) -> RecomputeJob:
    """The recompute job of one mutation sent with REQUEST_ID, once it ends."""
    response = await api.http.post(
        "/graphql",
        json={"query": SET_DEFAULT, "variables": {"n": CAMPAIGN}},
        headers={"Authorization": f"Bearer {key}", "x-request-id": REQUEST_ID},
    )
    assert "errors" not in response.json(), response.text
    [job] = await store.jobs.recent(location_id, 1)

    async def finished() -> RecomputeJob:
        while True:
            current = await store.jobs.get(job.id)
            if current is not None and current.is_finished:
                return current
            await asyncio.sleep(0.1)

    return await asyncio.wait_for(finished(), WAIT_SECONDS)


def _finished_job(log: Path) -> str | None:
    """The id of the job REQUEST_ID caused, once its end is logged."""
    for line in _messages(_json_lines(log), "gateway.recompute", "finished"):
        if line.get("request_id") == REQUEST_ID:
            return str(line["job_id"])
    return None


def _json_lines(log: Path) -> list[dict[str, Any]]:
    """Every line of the log, each of which must be one JSON object."""
    return [
        json.loads(line)
        for line in log.read_text().splitlines()
        if line not in CELERY_SHUTDOWN_NOTICE
    ]


def _messages(
    lines: list[dict[str, Any]], logger: str, text: str
) -> list[dict[str, Any]]:
    return [
        line for line in lines if line["logger"] == logger and text in line["message"]
    ]
