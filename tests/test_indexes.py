"""Every query the gateway and the recompute tasks send is served by an index.

The workload below goes through the API as clients do (pages with every
filter, mutations, recomputes run to the end) while a listener records the
commands the driver sends; each recorded query is then sent again under
`explain`, and its winning plan must not scan the collection. Only a real
server can explain a query, so without MONGODB_URI this is skipped.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pymongo import monitoring

from gateway.store import Store, connect
from tests.support.api import Api, open_api
from tests.support.settings import make_settings
from tests.support.stores import real_server_uri
from tests.support.tenants import (
    Tenant,
    add_numbers,
    create_contact,
    create_user,
    new_tenant,
)

pytestmark = pytest.mark.skipif(
    real_server_uri() is None,
    reason="explain needs a real MongoDB server: set MONGODB_URI",
)

# Commands that carry a query a plan can be explained for.
QUERIES = frozenset({"find", "aggregate", "count", "update", "delete", "findAndModify"})

# Parts of a sent command that belong to the session, not to the query.
NOT_EXPLAINED = frozenset({"lsid", "txnNumber", "writeConcern", "readConcern"})

# Plan stages that read an index rather than the collection.
INDEX_STAGES = ("IXSCAN", "IDHACK", "EXPRESS", "COUNT_SCAN", "DISTINCT_SCAN")

FRONT, RIVERA, CAMPAIGN = "+12025550143", "+14155550100", "+12125550199"

PAGES = [
    "{ contacts(first: 5) { totalCount edges { cursor node { outboundNumber } } } }",
    "{ contacts(first: 5, filter: { unassigned: true }) { totalCount edges { node { id } } } }",
    "{ contacts(first: 5, filter: { unassigned: false }) { totalCount edges { node { id } } } }",
    f'{{ contacts(first: 5, filter: {{ outboundNumber: "{FRONT}" }}) {{ totalCount }} }}',
    "{ contacts(first: 5, filter: { reason: DEFAULT_OUTBOUND }) { totalCount } }",
    "{ users { id contacts(first: 5) { totalCount edges { node { name } } } } }",
    "{ location { recomputeJobs(first: 5) { id status } } }",
]


class CommandRecorder(monitoring.CommandListener):
    """Keeps the queries the driver sends to one database."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.queries: list[dict[str, Any]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.database_name == self.database and event.command_name in QUERIES:
            self.queries.append(dict(event.command))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None


@pytest.fixture
def recorder(request: pytest.FixtureRequest) -> CommandRecorder:
    recorder = CommandRecorder(f"indexes_{request.node.name[:30]}")
    monitoring.register(recorder)
    return recorder


@pytest.fixture
async def recorded_store(recorder: CommandRecorder) -> AsyncIterator[Store]:
    uri = real_server_uri()
    assert uri is not None
    store = connect(uri, recorder.database)
    await store.prepare()
    yield store
    await store.database.client.drop_database(recorder.database)
    store.close()


async def test_every_query_uses_an_index(
    recorded_store: Store, recorder: CommandRecorder
) -> None:
    api = await open_api(make_settings(), recorded_store)
    try:
        await _workload(api, recorded_store)
    finally:
        await api.drain()
        await api.close()

    scans = [
        command
        for command in recorder.queries
        if not _uses_an_index(await _explain(recorded_store, command))
    ]

    assert len(recorder.queries) > 50
    assert scans == []


async def _workload(api: Api, store: Store) -> None:
    tenant = await new_tenant(api)
    await add_numbers(api, tenant, FRONT, RIVERA, CAMPAIGN)
    await _mutate(api, tenant, f'setDefaultOutboundNumber(number: "{FRONT}") {{ id }}')
    ana = await create_user(api, tenant, "Ana Rivera", RIVERA)
    ben = await create_user(api, tenant, "Ben Okafor")
    contacts = [
        await create_contact(api, tenant, f"C{i}", f"+1617555{i:04d}", user)
        for i, user in enumerate([ana, ben, None, ana, None, None, ben, ana])
    ]
    await api.drain()

    await _mutate(
        api,
        tenant,
        f'recordOutboundMessage(contactId: "{contacts[2]}", fromNumber: "{CAMPAIGN}")'
        " { id }",
    )
    await _mutate(
        api,
        tenant,
        f'assignContact(contactId: "{contacts[4]}", userId: "{ana}") {{ id }}',
    )
    await _mutate(
        api, tenant, f'reassignContacts(contactIds: ["{contacts[5]}"], userId: "{ben}")'
    )
    await _mutate(
        api,
        tenant,
        f'setUserInboundNumber(userId: "{ben}", number: "{CAMPAIGN}") {{ id }}',
    )
    await _mutate(api, tenant, f'releasePhoneNumber(number: "{CAMPAIGN}") {{ id }}')
    await _mutate(api, tenant, "recomputeSelections { id }")
    await api.drain()

    for page in PAGES:
        await api.call(tenant.key, page)
    first = await api.call(
        tenant.key, "{ contacts(first: 2) { pageInfo { endCursor } } }"
    )
    cursor = first["contacts"]["pageInfo"]["endCursor"]
    await api.call(
        tenant.key,
        f'{{ contacts(first: 2, after: "{cursor}") {{ edges {{ node {{ id }} }} }} }}',
    )
    await api.call(
        tenant.key,
        f'{{ contact(id: "{contacts[0]}") {{ selectionHistory {{ at }} }} }}',
    )
    await api.call(tenant.key, f'{{ user(id: "{ana}") {{ name }} }}')

    await api.runtime.outbox.sweep()
    await store.jobs.count_unfinished()


async def _mutate(api: Api, tenant: Tenant, mutation: str) -> None:
    await api.call(tenant.key, f"mutation {{ {mutation} }}")


async def _explain(store: Store, command: dict[str, Any]) -> dict[str, Any]:
    query = {
        key: value
        for key, value in command.items()
        if key not in NOT_EXPLAINED and not key.startswith("$")
    }
    explained: dict[str, Any] = await store.database.command(
        {"explain": query, "verbosity": "queryPlanner"}
    )
    return explained


def _uses_an_index(explained: dict[str, Any]) -> bool:
    """Whether every winning plan in `explained` reads an index, never the
    collection (a plan that finds nothing to read counts as using one)."""
    stages = [stage for plan in _winning_plans(explained) for stage in _stages(plan)]
    if "COLLSCAN" in stages:
        return False
    return stages == ["EOF"] or any(
        index in stage for stage in stages for index in INDEX_STAGES
    )


def _winning_plans(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "winningPlan":
                yield value
            else:
                yield from _winning_plans(value)
    elif isinstance(node, list):
        for item in node:
            yield from _winning_plans(item)


def _stages(plan: Any) -> Iterator[str]:
    if isinstance(plan, dict):
        if isinstance(plan.get("stage"), str):
            yield plan["stage"]
        for value in plan.values():
            yield from _stages(value)
    elif isinstance(plan, list):
        for item in plan:
            yield from _stages(item)
