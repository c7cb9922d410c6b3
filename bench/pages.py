"""A page of contacts through GraphQL and through the plain endpoint, side by
side: requests per second and latency under concurrent clients, and the
round trips a page costs at each size."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from pydantic import SecretStr
from starlette.applications import Starlette

from bench.asgi import Response, call
from bench.checks import require
from bench.clocks import Stopwatch
from bench.plain import plain_app
from bench.seed import SeededLocation
from gateway.app import create_app
from gateway.settings import Environment, Settings
from gateway.store import Store
from tests.support.round_trips import CommandCounter

PAGE_QUERY = """
query Page($first: Int!) {
  contacts(first: $first) {
    totalCount
    edges { cursor node { id name phone outboundNumber assignedUser { id name } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# The page a frontend shows, and the concurrent clients it is held to.
PAGE_SIZE = 100
CLIENTS = 8

Endpoint = Callable[[], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class EndpointFigures:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    # CPU of this process per request: the gateway's own cost, with the
    # database's work in its own process.
    cpu_ms: float
    database_cpu_ms: float


@dataclass(frozen=True, slots=True)
class _Round:
    requests_per_second: float
    cpu_ms: float
    database_cpu_ms: float
    latencies: list[float]


def settings(max_page_size: int = PAGE_SIZE) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        gateway_env=Environment.DEVELOPMENT,
        mongodb_uri=None,
        celery_broker_url=None,
        gateway_admin_token=SecretStr("bench-admin-token-0123456789abcdef"),
        max_page_size=max_page_size,
        # Far above what one key sends here: the limiter still counts every
        # request, as in production, but never refuses one.
        rate_limit="10000000/minute",
    )


def graphql_endpoint(app: Starlette, api_key: str, first: int) -> Endpoint:
    body = json.dumps({"query": PAGE_QUERY, "variables": {"first": first}}).encode()
    headers = {"authorization": f"Bearer {api_key}", "content-type": "application/json"}

    async def request() -> Response:
        return await call(app, "POST", "/graphql", body=body, headers=headers)

    return request


def plain_endpoint(app: Starlette, path: str, api_key: str, first: int) -> Endpoint:
    headers = {"authorization": f"Bearer {api_key}"}

    async def request() -> Response:
        return await call(app, "GET", path, query=f"first={first}", headers=headers)

    return request


async def compare_endpoints(
    store: Store,
    seeded: SeededLocation,
    database_cpu: Callable[[], float],
    rounds: int,
    requests_per_client: int,
) -> list[EndpointFigures]:
    """GraphQL, the plain endpoint and the reads alone, in alternating rounds
    of `CLIENTS` concurrent clients, so that the machine's noise falls on all
    three alike."""
    graphql = create_app(settings(), store=store)
    plain = plain_app(store)
    endpoints = {
        "GraphQL": graphql_endpoint(graphql, seeded.api_key, PAGE_SIZE),
        "plain": plain_endpoint(plain, "/contacts", seeded.api_key, PAGE_SIZE),
        "reads only": plain_endpoint(plain, "/reads-only", seeded.api_key, PAGE_SIZE),
    }
    await _check_same_answer(endpoints["GraphQL"], endpoints["plain"])

    measured: dict[str, list[_Round]] = {name: [] for name in endpoints}
    for endpoint in endpoints.values():
        await _round(endpoint, database_cpu, 2)  # warm up
    for _ in range(rounds):
        for name, endpoint in endpoints.items():
            measured[name].append(
                await _round(endpoint, database_cpu, requests_per_client)
            )

    return [_figures(name, measured[name]) for name in endpoints]


def _figures(name: str, rounds: list[_Round]) -> EndpointFigures:
    latencies = [latency for r in rounds for latency in r.latencies]
    return EndpointFigures(
        name=name,
        requests_per_second=statistics.median(r.requests_per_second for r in rounds),
        p50_ms=_percentile(latencies, 50) * 1000,
        p99_ms=_percentile(latencies, 99) * 1000,
        cpu_ms=statistics.median(r.cpu_ms for r in rounds),
        database_cpu_ms=statistics.median(r.database_cpu_ms for r in rounds),
    )


async def round_trips_per_page(
    store: Store, seeded: SeededLocation, counter: CommandCounter, sizes: Sequence[int]
) -> dict[int, int]:
    """Commands the driver sends for one GraphQL page of each size."""
    app = create_app(settings(max_page_size=max(sizes)), store=store)
    counts = {}
    for size in sizes:
        request = graphql_endpoint(app, seeded.api_key, size)
        await request()  # the first request also opens connections
        counter.reset()
        response = await request()
        edges = json.loads(response.body)["data"]["contacts"]["edges"]
        require(len(edges) == size, f"asked for {size} contacts, got {len(edges)}")
        counts[size] = counter.total
    return counts


async def _check_same_answer(graphql: Endpoint, plain: Endpoint) -> None:
    from_graphql = json.loads((await graphql()).body)
    from_plain = json.loads((await plain()).body)
    require(from_graphql == from_plain, "GraphQL and the plain endpoint differ")


async def _round(
    endpoint: Endpoint, database_cpu: Callable[[], float], requests_per_client: int
) -> _Round:
    """`CLIENTS` clients, each sending its requests one after the other."""
    times: list[float] = []

    async def client() -> None:
        for _ in range(requests_per_client):
            start = time.perf_counter()
            response = await endpoint()
            times.append(time.perf_counter() - start)
            require(
                response.status == 200, f"HTTP {response.status}: {response.body!r}"
            )

    stopwatch = Stopwatch(database_cpu)
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    elapsed = stopwatch.elapsed()

    requests = CLIENTS * requests_per_client
    return _Round(
        requests_per_second=requests / elapsed.wall,
        cpu_ms=elapsed.cpu / requests * 1000,
        database_cpu_ms=elapsed.database_cpu / requests * 1000,
        latencies=times,
    )


def _percentile(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))
    return ordered[index]
