"""A bounded load test: `outbound-gateway serve` in a process of its own,
a fixed number of clients over loopback for a fixed time, then it stops.

The clients mix reads, reassignments, recorded messages and changes of the
default number. Each client owns its contacts, so the last write each one
made to a contact is known; the default number is shared by all of them,
so its changes race with everything else. Afterwards:

- no request failed;
- no update was lost: every contact's last number, time of contact and
  assigned user are those of the last write its owner made;
- the caches converge: once the recomputes are done, every contact is
  found by the filters on its cached selection exactly where its live
  selection says.

Throughput and latency percentiles are printed; no time is asserted.
LOAD_TEST_SECONDS and LOAD_TEST_CLIENTS make it longer or wider.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.settings import ADMIN_TOKEN
from tests.support.workers import WAIT_SECONDS, free_port

SECONDS = float(os.environ.get("LOAD_TEST_SECONDS", "3"))
CLIENTS = int(os.environ.get("LOAD_TEST_CLIENTS", "8"))
CONTACTS_PER_CLIENT = 4
HOST = "127.0.0.1"

POOL = ["+12025550143", "+14155550100", "+12125550199", "+13125550188"]

CREATE_LOCATION = (
    "mutation($name: String!) {"
    " createLocation(name: $name) { apiKey location { id } } }"
)
READ_PAGE = """
{ contacts(first: 20) { edges { node {
    id outboundNumber outboundSelection { reason explanation } assignedUser { name }
} } } }
"""
READ_CONTACT = """
query($id: ID!) { contact(id: $id) {
    lastOutboundNumber outboundSelection { number reason } } }
"""
RECORD = """
mutation($id: ID!, $from: String!) {
  recordOutboundMessage(contactId: $id, fromNumber: $from) {
    lastOutboundNumber lastContactedAt outboundNumber } }
"""
ASSIGN = """
mutation($id: ID!, $user: ID) {
  assignContact(contactId: $id, userId: $user) { assignedUser { id } } }
"""
REASSIGN = """
mutation($ids: [ID!]!, $user: ID) { reassignContacts(contactIds: $ids, userId: $user) }
"""
SET_DEFAULT = """
mutation($n: String) { setDefaultOutboundNumber(number: $n) { defaultOutboundNumber } }
"""
FINAL_STATE = """
query($after: String) { contacts(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      id lastOutboundNumber lastContactedAt assignedUser { id }
      outboundSelection { number reason } } } } }
"""
# With no number, the filter is on the reason alone: only
# NO_NUMBER_AVAILABLE comes without a number.
CACHED = """
query($n: String, $r: SelectionReason, $after: String) {
  contacts(first: 100, after: $after, filter: { outboundNumber: $n, reason: $r }) {
    pageInfo { hasNextPage endCursor } edges { node { id } } } }
"""


@dataclass
class Expected:
    """What a contact must look like when the load is over."""

    last_number: str | None = None
    last_contacted_at: str | None = None
    assigned_user: str | None = None


@dataclass
class Client:
    http: httpx.AsyncClient
    contacts: list[str]
    users: list[str]
    rng: random.Random
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[str]:
    """`outbound-gateway serve` on its embedded default; yields its URL."""
    port = free_port()
    log = tmp_path / "gateway.log"
    env = {
        **os.environ,
        "GATEWAY_ADMIN_TOKEN": ADMIN_TOKEN,
        # The load test measures the gateway, not its rate limit.
        "RATE_LIMIT": "1000000/minute",
        "LOG_LEVEL": "WARNING",
    }
    for name in ("MONGODB_URI", "CELERY_BROKER_URL", "RATE_LIMIT_STORAGE_URL"):
        env.pop(name, None)
    with log.open("wb") as output:
        process = subprocess.Popen(
            [_cli(), "serve", "--host", HOST, "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://{HOST}:{port}"
    try:
        _wait_until_healthy(url, process, log)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=WAIT_SECONDS)


@pytest.fixture
async def admin(gateway: str) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(gateway, ADMIN_TOKEN) as client:
        yield client


async def test_concurrent_clients_lose_no_update_and_caches_converge(
    gateway: str, admin: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    key = (await _call(admin, CREATE_LOCATION, name="Load"))["createLocation"]["apiKey"]
    async with _client(gateway, key) as setup:
        users, contacts = await _seed(setup)
        clients = [
            Client(
                http=_client(gateway, key),
                contacts=contacts[
                    i * CONTACTS_PER_CLIENT : (i + 1) * CONTACTS_PER_CLIENT
                ],
                users=users,
                rng=random.Random(i),
            )
            for i in range(CLIENTS)
        ]
        expected: dict[str, Expected] = {c: Expected() for c in contacts}

        started = time.perf_counter()
        deadline = started + SECONDS
        await asyncio.gather(*(_work(c, expected, deadline) for c in clients))
        elapsed = time.perf_counter() - started
        for client in clients:
            await client.http.aclose()

        with capsys.disabled():
            _print_figures(clients, elapsed)
        assert [e for c in clients for e in c.errors] == []

        final = await _final_state(setup)
        for contact_id, wanted in expected.items():
            node = final[contact_id]
            assigned = (node["assignedUser"] or {}).get("id")
            assert node["lastOutboundNumber"] == wanted.last_number, contact_id
            assert node["lastContactedAt"] == wanted.last_contacted_at, contact_id
            assert assigned == wanted.assigned_user, contact_id

        await _wait_for_caches_to_converge(setup)


async def _seed(client: httpx.AsyncClient) -> tuple[list[str], list[str]]:
    for number in POOL:
        await _call(
            client,
            "mutation($n: String!) { addPhoneNumber(number: $n) { id } }",
            n=number,
        )
    await _call(client, SET_DEFAULT, n=POOL[0])

    users = []
    for name, inbound in [("Ana", POOL[1]), ("Bo", POOL[2]), ("Cy", None)]:
        data = await _call(
            client,
            "mutation($name: String!, $n: String) {"
            " createUser(name: $name, inboundNumber: $n) { id } }",
            name=name,
            n=inbound,
        )
        users.append(data["createUser"]["id"])

    contacts = []
    for i in range(CLIENTS * CONTACTS_PER_CLIENT):
        data = await _call(
            client,
            "mutation($name: String!, $phone: String!) {"
            " createContact(name: $name, phone: $phone) { id } }",
            name=f"Contact {i}",
            phone=f"+1617555{i:04d}",
        )
        contacts.append(data["createContact"]["id"])
    return users, contacts


async def _work(client: Client, expected: dict[str, Expected], deadline: float) -> None:
    """Requests one after another, a random kind each time, until the deadline."""
    rng = client.rng
    while time.perf_counter() < deadline:
        kind = rng.choices(
            ["read", "record", "assign", "reassign", "default"],
            weights=[40, 25, 15, 10, 10],
        )[0]
        contact = rng.choice(client.contacts)
        user = rng.choice([*client.users, None])

        if kind == "read":
            if rng.random() < 0.5:
                await _timed(client, kind, READ_PAGE)
            else:
                await _timed(client, kind, READ_CONTACT, id=contact)
        elif kind == "record":
            data = await _timed(
                client, kind, RECORD, id=contact, **{"from": rng.choice(POOL)}
            )
            if data is not None:
                recorded = data["recordOutboundMessage"]
                expected[contact].last_number = recorded["lastOutboundNumber"]
                expected[contact].last_contacted_at = recorded["lastContactedAt"]
        elif kind == "assign":
            if await _timed(client, kind, ASSIGN, id=contact, user=user) is not None:
                expected[contact].assigned_user = user
        elif kind == "reassign":
            moved = rng.sample(client.contacts, 2)
            if await _timed(client, kind, REASSIGN, ids=moved, user=user) is not None:
                for contact_id in moved:
                    expected[contact_id].assigned_user = user
        else:
            await _timed(client, kind, SET_DEFAULT, n=rng.choice(POOL))


async def _timed(
    client: Client, kind: str, query: str, **variables: Any
) -> dict[str, Any] | None:
    """The data of one request, timed; None (and an error noted) if it failed."""
    started = time.perf_counter()
    try:
        response = await client.http.post(
            "/graphql", json={"query": query, "variables": variables}
        )
    except httpx.HTTPError as error:
        client.errors.append(f"{kind}: {error!r}")
        return None
    client.latencies[kind].append(time.perf_counter() - started)

    body = response.json()
    if response.status_code != 200 or "errors" in body:
        client.errors.append(f"{kind}: {response.status_code} {body}")
        return None
    data: dict[str, Any] = body["data"]
    return data


async def _final_state(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    return {node["id"]: node async for node in _every_contact(client, FINAL_STATE)}


async def _every_contact(
    client: httpx.AsyncClient, query: str, **variables: Any
) -> AsyncIterator[dict[str, Any]]:
    after = None
    while True:
        data = await _call(client, query, after=after, **variables)
        connection = data["contacts"]
        for edge in connection["edges"]:
            yield edge["node"]
        if not connection["pageInfo"]["hasNextPage"]:
            return
        after = connection["pageInfo"]["endCursor"]


async def _wait_for_caches_to_converge(client: httpx.AsyncClient) -> None:
    """Until every contact's cached selection, as the filters see it, is its
    live one; recomputes finish in the background, so this may take a while."""
    give_up_at = time.monotonic() + WAIT_SECONDS
    while True:
        live, cached = await _live_and_cached(client)
        if cached == live or time.monotonic() > give_up_at:
            break
        await asyncio.sleep(0.1)
    assert cached == live


async def _live_and_cached(
    client: httpx.AsyncClient,
) -> tuple[dict[str, tuple[Any, Any]], dict[str, tuple[Any, Any]]]:
    final = await _final_state(client)
    live = {
        contact_id: (
            node["outboundSelection"]["number"],
            node["outboundSelection"]["reason"],
        )
        for contact_id, node in final.items()
    }
    cached = {}
    for number, reason in set(live.values()):
        async for node in _every_contact(client, CACHED, n=number, r=reason):
            cached[node["id"]] = (number, reason)
    return live, cached


def _print_figures(clients: list[Client], elapsed: float) -> None:
    by_kind: dict[str, list[float]] = defaultdict(list)
    for client in clients:
        for kind, latencies in client.latencies.items():
            by_kind[kind].extend(latencies)
    every = sorted(t for latencies in by_kind.values() for t in latencies)

    print(
        f"\nLoad: {CLIENTS} clients for {elapsed:.1f} s, {len(every)} requests,"
        f" {len(every) / elapsed:.0f} requests/s"
    )
    for kind, latencies in sorted(by_kind.items()):
        print(f"  {kind:<9} {len(latencies):>6}  {_percentiles(sorted(latencies))}")
    print(f"  {'all':<9} {len(every):>6}  {_percentiles(every)}")


def _percentiles(ordered: list[float]) -> str:
    def at(fraction: float) -> float:
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000

    return f"p50 {at(0.50):6.1f} ms  p95 {at(0.95):6.1f} ms  p99 {at(0.99):6.1f} ms"


def _client(base_url: str, key: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        headers={"Authorization": f"Bearer {key}"},
        timeout=WAIT_SECONDS,
    )


async def _call(client: httpx.AsyncClient, query: str, **variables: Any) -> Any:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}
    )
    body = response.json()
    assert response.status_code == 200, body
    assert "errors" not in body, body
    return body["data"]


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    give_up_at = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < give_up_at:
        if process.poll() is not None:
            raise RuntimeError(f"the gateway exited:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"the gateway did not start:\n{log.read_text()}")


def _cli() -> str:
    return str(Path(sys.executable).with_name("outbound-gateway"))
