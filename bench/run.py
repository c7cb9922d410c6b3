"""Every benchmark, one after the other, in one run against one database."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

from bench import machine
from bench.database import BenchDatabase
from bench.pages import EndpointFigures, compare_endpoints, round_trips_per_page
from bench.recompute import (
    NaiveFigures,
    RecomputeFigures,
    measure_naive,
    measure_recompute,
)
from bench.rules import decisions_per_second
from bench.seed import seed_location
from gateway.store import Store, connect


@dataclass(frozen=True, slots=True)
class Sizes:
    page_contacts: int
    page_rounds: int
    requests_per_client: int
    page_sizes: tuple[int, ...]
    recompute_contacts: tuple[int, ...]
    naive_contacts: int
    chunk_size: int


# A page of 100 out of 200 contacts has a next page, as most pages do; a
# larger location only slows the stand-in, which scans a location's
# contacts for every page. Pages of 10, 100 and 500 and locations of 10,000
# and 100,000 contacts are the sizes the gateway is held to; chunks of
# 1,000 are the default RECOMPUTE_CHUNK_SIZE.
FULL = Sizes(
    page_contacts=200,
    page_rounds=5,
    requests_per_client=25,
    page_sizes=(10, 100, 500),
    recompute_contacts=(10_000, 100_000),
    naive_contacts=2_000,
    chunk_size=1000,
)

# Well under a minute on the 2-core machine the figures were taken on.
QUICK = Sizes(
    page_contacts=200,
    page_rounds=2,
    requests_per_client=8,
    page_sizes=(10, 100, 500),
    recompute_contacts=(2_000, 5_000),
    naive_contacts=300,
    chunk_size=1000,
)


@dataclass
class Figures:
    machine: dict[str, Any]
    sizes: Sizes
    endpoints: list[EndpointFigures] = field(default_factory=list)
    round_trips_per_page: dict[int, int] = field(default_factory=dict)
    recomputes: list[RecomputeFigures] = field(default_factory=list)
    naive: NaiveFigures | None = None
    decisions_per_second: float = 0.0


async def run_all(sizes: Sizes) -> Figures:
    figures = Figures(machine=machine.describe(), sizes=sizes)
    with BenchDatabase() as database:
        _progress("GraphQL and the plain endpoint, side by side")
        store = connect(database.uri, "pages")
        seeded = await seed_location(store, sizes.page_contacts)
        figures.endpoints = await compare_endpoints(
            store,
            seeded,
            database.cpu_seconds,
            sizes.page_rounds,
            sizes.requests_per_client,
        )
        store.close()

        _progress("round trips per page")
        store = connect(database.uri, "page_sizes")
        seeded = await seed_location(store, max(sizes.page_sizes) + 1, users=150)
        figures.round_trips_per_page = await round_trips_per_page(
            store, seeded, database.commands(), sizes.page_sizes
        )
        store.close()

        for contacts in sizes.recompute_contacts:
            _progress(f"recompute of {contacts} contacts")
            store = connect(database.uri, f"recompute_{contacts}")
            seeded = await seed_location(store, contacts)
            figures.recomputes.append(
                await measure_recompute(
                    store, seeded, contacts, database, sizes.chunk_size
                )
            )
            if contacts == sizes.recompute_contacts[0]:
                _progress(f"one at a time, {sizes.naive_contacts} contacts")
                figures.naive = await measure_naive(
                    store, seeded, sizes.naive_contacts, database
                )
            await _drop(store)

    _progress("the selection rules alone")
    figures.decisions_per_second = decisions_per_second()
    return figures


async def _drop(store: Store) -> None:
    await store.database.client.drop_database(store.database.name)
    store.close()


def _progress(step: str) -> None:
    print(f"bench: {step}...", file=sys.stderr, flush=True)
