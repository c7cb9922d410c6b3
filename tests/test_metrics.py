"""The gateway's /metrics: GraphQL operations, their errors, the recomputes
run in the gateway, and the outbox as MongoDB counts it."""

from __future__ import annotations

import math
import re
from pathlib import Path

from bson import ObjectId
from prometheus_client import REGISTRY
from prometheus_client.metrics import MetricWrapperBase

from gateway import metrics
from gateway.app import create_app
from gateway.recompute import fail_job
from gateway.records import Cause, JobKind, JobStatus
from gateway.store import Store
from tests.support.api import Api
from tests.support.scrapes import Scrape
from tests.support.settings import make_settings
from tests.support.tenants import add_numbers, create_contact, new_tenant

PREFIX = "outbound_gateway"
OPERATIONS = f"{PREFIX}_graphql_operation_duration_seconds_count"
ERRORS = f"{PREFIX}_graphql_errors_total"
FRONT, RIVERA = "+12025550143", "+14155550100"
README = Path(__file__).parent.parent / "README.md"


async def _scrape(api: Api) -> Scrape:
    response = await api.http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return Scrape(response.text)


def _defined_metrics() -> list[str]:
    """The name of every metric `gateway.metrics` defines, as exposed."""
    return [
        # A counter's family is named without the `_total` of its sample.
        family.name + ("_total" if family.type == "counter" else "")
        for value in vars(metrics).values()
        if isinstance(value, MetricWrapperBase)
        for family in value.describe()
    ]


async def test_every_metric_is_served_and_listed_in_the_readme(api: Api) -> None:
    scraped = await _scrape(api)
    readme = README.read_text()

    for name in _defined_metrics():
        assert re.sub("_total$", "", name) in scraped.families, name
        assert f"`{name}`" in readme, f"{name} is not in the README"


async def test_a_named_operation_is_timed_under_its_name(api: Api) -> None:
    tenant = await new_tenant(api)
    before = await _scrape(api)

    await api.call(tenant.key, "query ContactCount { contacts { totalCount } }")

    after = await _scrape(api)
    assert after.value(OPERATIONS, operation="ContactCount") == (
        before.value(OPERATIONS, operation="ContactCount") + 1
    )


async def test_an_unnamed_operation_is_timed_as_anonymous(api: Api) -> None:
    tenant = await new_tenant(api)
    before = await _scrape(api)

    await api.call(tenant.key, "{ contacts { totalCount } }")

    after = await _scrape(api)
    assert after.value(OPERATIONS, operation="anonymous") == (
        before.value(OPERATIONS, operation="anonymous") + 1
    )


async def test_errors_are_counted_by_operation_and_code(api: Api) -> None:
    tenant = await new_tenant(api)
    bad_number = 'mutation AddNumber { addPhoneNumber(number: "call me") { id } }'
    before = await _scrape(api)

    await api.fail(tenant.key, bad_number)
    await api.fail(tenant.key, "query Broken {")

    after = await _scrape(api)
    for operation, code in [
        ("AddNumber", "BAD_USER_INPUT"),
        ("anonymous", "GRAPHQL_PARSE_FAILED"),
    ]:
        labels = {"operation": operation, "code": code}
        assert after.value(ERRORS, **labels) == before.value(ERRORS, **labels) + 1


async def test_requests_refused_before_any_operation_are_counted(api: Api) -> None:
    refused = f"{PREFIX}_graphql_refused_total"
    before = await _scrape(api)

    await api.fail("obg_nobody_holds_this_key", "{ location { id } }")

    after = await _scrape(api)
    assert after.value(refused, code="UNAUTHENTICATED") == (
        before.value(refused, code="UNAUTHENTICATED") + 1
    )


def test_operation_names_become_a_bounded_set_of_labels() -> None:
    names = metrics.OperationNames(limit=2)

    labels = [
        names.label(name)
        for name in ["First", None, "Second", "First", "Third", "bad name!", "x" * 65]
    ]

    assert labels == [
        "First",
        "anonymous",
        "Second",
        "First",
        "other",
        "other",
        "other",
    ]


async def test_a_recompute_run_in_the_gateway_is_counted(api: Api) -> None:
    tenant = await new_tenant(api)
    await add_numbers(api, tenant, FRONT, RIVERA)
    for i in range(3):
        await create_contact(api, tenant, f"C{i}", f"+1617555000{i}")
    await api.drain()
    before = await _scrape(api)

    await api.call(
        tenant.key,
        "mutation($n: String) { setDefaultOutboundNumber(number: $n) { id } }",
        n=FRONT,
    )
    await api.drain()

    after = await _scrape(api)
    kind = {"kind": "DEFAULT_OUTBOUND"}
    done = {**kind, "status": "SUCCEEDED"}
    assert _increase(before, after, "recompute_jobs_created_total", **kind) == 1
    assert _increase(before, after, "recompute_jobs_finished_total", **done) == 1
    assert _increase(before, after, "recompute_chunks_processed_total") == 1
    assert _increase(before, after, "recompute_contacts_processed_total") == 3


async def test_a_failed_job_is_counted_once(store: Store) -> None:
    job = await store.jobs.create(
        str(ObjectId()), JobKind.FULL, Cause("test"), committed=True
    )
    name, failed = (
        f"{PREFIX}_recompute_jobs_finished_total",
        {
            "kind": "FULL",
            "status": "FAILED",
        },
    )
    before = REGISTRY.get_sample_value(name, failed) or 0.0

    await fail_job(store, job.id, "RuntimeError: first")
    await fail_job(store, job.id, "RuntimeError: second")

    assert REGISTRY.get_sample_value(name, failed) == before + 1


async def test_the_outbox_is_counted_by_status_when_scraped(
    api: Api, store: Store
) -> None:
    location_id = str(ObjectId())
    for _ in range(3):
        job = await store.jobs.create(
            location_id, JobKind.FULL, Cause("test"), committed=True
        )
    await store.jobs.start(job.id)

    scraped = await _scrape(api)

    outbox = f"{PREFIX}_recompute_outbox_jobs"
    assert scraped.value(outbox, status=JobStatus.QUEUED.value) == 2
    assert scraped.value(outbox, status=JobStatus.RUNNING.value) == 1


async def test_the_outbox_is_unknown_when_mongodb_does_not_answer(
    unreachable_store: Store,
) -> None:
    api = Api(create_app(make_settings(), store=unreachable_store))

    scraped = await _scrape(api)

    value = scraped.value(f"{PREFIX}_recompute_outbox_jobs", status="QUEUED")
    assert math.isnan(value)
    await api.close()


def _increase(before: Scrape, after: Scrape, name: str, **labels: str) -> float:
    full_name = f"{PREFIX}_{name}"
    return after.value(full_name, **labels) - before.value(full_name, **labels)
