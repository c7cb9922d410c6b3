"""Recompute jobs and selection history, as a client sees them."""

from __future__ import annotations

import pytest

from gateway.store.contacts import HISTORY_LIMIT
from tests.support.api import Api
from tests.support.tenants import Tenant, add_numbers, create_contact, new_tenant

FRONT, CAMPAIGN = "+12025550143", "+12125550199"

JOB = """
query($id: ID!) {
  recomputeJob(id: $id) {
    id kind status cause contactsTotal contactsDone retries queuedAt startedAt finishedAt lastError
  }
}
"""
HISTORY = """
query($id: ID!, $first: Int) {
  contact(id: $id) {
    selectionHistory(first: $first) {
      previousNumber previousReason number reason cause requestId jobId
    }
  }
}
"""
RECORD = """
mutation($id: ID!, $n: String!) { recordOutboundMessage(contactId: $id, fromNumber: $n) { id } }
"""


@pytest.fixture
async def tenant(api: Api) -> Tenant:
    tenant = await new_tenant(api)
    await add_numbers(api, tenant, FRONT, CAMPAIGN)
    await api.call(
        tenant.key,
        f'mutation {{ setDefaultOutboundNumber(number: "{FRONT}") {{ id }} }}',
    )
    return tenant


async def test_a_full_recompute_is_a_job_the_client_can_follow(
    api: Api, tenant: Tenant
) -> None:
    for i in range(3):
        await create_contact(api, tenant, f"C{i}", f"+1617555{i:04d}")

    started = await api.call(
        tenant.key, "mutation { recomputeSelections { id status kind } }"
    )
    await api.drain()
    job = (await api.call(tenant.key, JOB, id=started["recomputeSelections"]["id"]))[
        "recomputeJob"
    ]

    assert started["recomputeSelections"]["status"] == "QUEUED"
    assert (job["kind"], job["status"], job["cause"]) == (
        "FULL",
        "SUCCEEDED",
        "recomputeSelections",
    )
    assert (job["contactsTotal"], job["contactsDone"], job["retries"]) == (3, 3, 0)
    assert job["queuedAt"] <= job["startedAt"] <= job["finishedAt"]
    assert job["lastError"] is None


async def test_a_locations_jobs_are_listed_newest_first(
    api: Api, tenant: Tenant
) -> None:
    await api.call(
        tenant.key, f'mutation {{ releasePhoneNumber(number: "{CAMPAIGN}") {{ id }} }}'
    )
    await api.call(tenant.key, "mutation { recomputeSelections { id } }")
    await api.drain()

    data = await api.call(
        tenant.key, "{ location { recomputeJobs(first: 2) { kind cause } } }"
    )

    assert data["location"]["recomputeJobs"] == [
        {"kind": "FULL", "cause": "recomputeSelections"},
        {"kind": "POOL", "cause": "releasePhoneNumber"},
    ]


async def test_history_says_from_what_to_what_why_and_what_caused_it(
    api: Api, tenant: Tenant
) -> None:
    contact = await create_contact(api, tenant, "Dev", "+16175550111")
    response = await api.post(tenant.key, RECORD, id=contact, n=CAMPAIGN)
    await api.call(
        tenant.key, f'mutation {{ releasePhoneNumber(number: "{CAMPAIGN}") {{ id }} }}'
    )
    await api.drain()

    data = await api.call(tenant.key, HISTORY, id=contact, first=None)

    released, recorded, created = data["contact"]["selectionHistory"]
    assert created == {
        "previousNumber": None,
        "previousReason": None,
        "number": FRONT,
        "reason": "DEFAULT_OUTBOUND",
        "cause": "createContact",
        "requestId": created["requestId"],
        "jobId": None,
    }
    assert recorded["cause"] == "recordOutboundMessage"
    assert recorded["requestId"] == response.headers["x-request-id"]
    assert (recorded["previousNumber"], recorded["number"], recorded["reason"]) == (
        FRONT,
        CAMPAIGN,
        "PREVIOUS_NUMBER",
    )
    assert (released["previousNumber"], released["number"], released["cause"]) == (
        CAMPAIGN,
        FRONT,
        "recompute",
    )
    assert released["jobId"] is not None


async def test_history_keeps_only_the_latest_changes(api: Api, tenant: Tenant) -> None:
    contact = await create_contact(api, tenant, "Dev", "+16175550111")
    # Each message from the other number switches the selection once.
    senders = [
        CAMPAIGN if turn % 2 == 0 else FRONT for turn in range(HISTORY_LIMIT + 5)
    ]
    for sender in senders:
        await api.call(tenant.key, RECORD, id=contact, n=sender)

    data = await api.call(tenant.key, HISTORY, id=contact, first=100)

    history = data["contact"]["selectionHistory"]
    assert len(history) == HISTORY_LIMIT
    assert history[0]["number"] == senders[-1]
    assert all(entry["cause"] == "recordOutboundMessage" for entry in history)


@pytest.mark.parametrize(
    ("document", "variables", "code"),
    [
        ("{ location { id }", {}, "GRAPHQL_PARSE_FAILED"),
        ("{ location { nope } }", {}, "GRAPHQL_VALIDATION_FAILED"),
        (
            "query($f: Int) { contacts(first: $f) { totalCount } }",
            {"f": "ten"},
            "BAD_USER_INPUT",
        ),
        ("query($id: ID!) { contact(id: $id) { id } }", {}, "BAD_USER_INPUT"),
    ],
)
async def test_malformed_operations_get_a_code_saying_whose_fault_it_is(
    api: Api,
    tenant: Tenant,
    document: str,
    variables: dict,
    code: str,  # type: ignore[type-arg]
) -> None:
    error = await api.fail(tenant.key, document, **variables)

    assert error["extensions"]["code"] == code
