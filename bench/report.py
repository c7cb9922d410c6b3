"""The figures of one run, as a table for people and as JSON for machines."""

from __future__ import annotations

from typing import Any

from bench.pages import CLIENTS, EndpointFigures
from bench.recompute import NaiveFigures
from bench.run import Figures

# The goals the figures are held against.
GRAPHQL_TO_PLAIN_GOAL = 2.0
SPEEDUP_GOAL = 20.0


def as_json(figures: Figures) -> dict[str, Any]:
    endpoints = {e.name: e for e in figures.endpoints}
    graphql, plain = endpoints["GraphQL"], endpoints["plain"]
    largest = figures.recomputes[-1]
    naive = _naive(figures)
    return {
        "machine": figures.machine,
        "graphql_to_plain_ratio": _ratio(graphql, plain),
        "graphql_to_plain_measured_requests_ratio": _measured_ratio(graphql, plain),
        "cpu_ms_per_request": {e.name: e.cpu_ms for e in figures.endpoints},
        "database_cpu_ms_per_request": {
            e.name: e.database_cpu_ms for e in figures.endpoints
        },
        "requests_per_second_per_core": {
            e.name: 1000 / e.cpu_ms for e in figures.endpoints
        },
        "measured_requests_per_second": {
            e.name: e.requests_per_second for e in figures.endpoints
        },
        "page_p50_ms": graphql.p50_ms,
        "page_p99_ms": graphql.p99_ms,
        "plain_page_p50_ms": plain.p50_ms,
        "plain_page_p99_ms": plain.p99_ms,
        "round_trips_per_page": {
            str(size): trips for size, trips in figures.round_trips_per_page.items()
        },
        "recompute_contacts_per_second": largest.contacts_per_second,
        "recompute_contacts_per_second_by_count": {
            str(r.contacts): r.contacts_per_second for r in figures.recomputes
        },
        "recompute_round_trips_per_1000": {
            str(r.contacts): r.round_trips_per_thousand for r in figures.recomputes
        },
        "recompute_speedup_vs_naive": _speedup(figures),
        "recompute_cpu_us_per_contact": {
            str(r.contacts): r.cpu_us_per_contact for r in figures.recomputes
        },
        "recompute_database_cpu_us_per_contact": {
            str(r.contacts): r.database_cpu_us_per_contact for r in figures.recomputes
        },
        "naive_cpu_us_per_contact": naive.cpu_us_per_contact,
        "naive_database_cpu_us_per_contact": naive.database_cpu_us_per_contact,
        "naive_contacts_per_second": naive.contacts_per_second,
        "naive_round_trips_per_1000": naive.round_trips_per_thousand,
        "recompute_peak_memory_bytes": {
            str(r.contacts): r.peak_memory_bytes for r in figures.recomputes
        },
        "selection_decisions_per_second": figures.decisions_per_second,
    }


def as_table(figures: Figures) -> str:
    m = figures.machine
    lines = [
        f"Measured {m['date']} on {m['nproc']} x {m['cpu']}, Python {m['python']}"
        f" (load average at start: {m['load_average']})",
        "",
        *_pages(figures),
        "",
        *_round_trips(figures),
        "",
        *_recomputes(figures),
        "",
        f"Selection rules alone: {figures.decisions_per_second:,.0f} decisions/s",
    ]
    return "\n".join(lines)


def _pages(figures: Figures) -> list[str]:
    endpoints = {e.name: e for e in figures.endpoints}
    graphql, plain = endpoints["GraphQL"], endpoints["plain"]
    rows = [
        f"| {e.name} | {e.cpu_ms:.1f} | {1000 / e.cpu_ms:,.0f}"
        f" | {e.database_cpu_ms:.1f} | {e.requests_per_second:,.0f}"
        f" | {e.p50_ms:.0f} | {e.p99_ms:.0f} |"
        for e in figures.endpoints
    ]
    return [
        f"Page of 100 contacts (of {figures.sizes.page_contacts}) with outboundNumber"
        f" and assignedUser, {CLIENTS} concurrent clients:",
        "",
        "| endpoint | gateway CPU ms/request | requests/s per gateway core"
        " | database CPU ms/request | measured requests/s | p50 ms | p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        *rows,
        "",
        f"GraphQL costs {_ratio(graphql, plain):.2f}x the plain endpoint's CPU per"
        f" request (goal: at most {GRAPHQL_TO_PLAIN_GOAL:g}x). Measured requests/s:"
        f" {_measured_ratio(graphql, plain):.2f}x, with the stand-in database,"
        " not the gateway, the limit.",
    ]


def _round_trips(figures: Figures) -> list[str]:
    sizes = figures.round_trips_per_page
    return [
        "Round trips per GraphQL page (commands the driver sends):",
        "",
        "| page size | " + " | ".join(str(size) for size in sizes) + " |",
        "| --- |" + " ---: |" * len(sizes),
        "| round trips | " + " | ".join(str(n) for n in sizes.values()) + " |",
    ]


def _recomputes(figures: Figures) -> list[str]:
    naive = _naive(figures)
    rows = [
        f"| {r.contacts:,} | {r.contacts_per_second:,.0f} | {r.cpu_us_per_contact:.0f}"
        f" | {r.database_cpu_us_per_contact:.0f} | {r.round_trips_per_thousand:.1f}"
        f" | {r.peak_memory_bytes / 1e6:.2f} |"
        for r in figures.recomputes
    ]
    return [
        f"Recompute of a whole location, chunks of {figures.sizes.chunk_size}:",
        "",
        "| contacts | contacts/s | gateway CPU µs/contact | database CPU µs/contact"
        " | round trips per 1,000 | peak traced MB |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
        *rows,
        f"| one at a time ({naive.contacts:,}) | {naive.contacts_per_second:,.0f}"
        f" | {naive.cpu_us_per_contact:.0f} | {naive.database_cpu_us_per_contact:.0f}"
        f" | {naive.round_trips_per_thousand:.0f} | |",
        "",
        f"Chunked recompute is {_speedup(figures):.1f}x faster than one at a time"
        f" (goal: at least {SPEEDUP_GOAL:g}x), and costs the gateway"
        f" {_cpu_saving(figures):.1f}x less CPU per contact.",
    ]


def _ratio(graphql: EndpointFigures, plain: EndpointFigures) -> float:
    """How many times the gateway CPU of a plain page a GraphQL page takes,
    which is how many times fewer pages a core serves through GraphQL."""
    return graphql.cpu_ms / plain.cpu_ms


def _measured_ratio(graphql: EndpointFigures, plain: EndpointFigures) -> float:
    return plain.requests_per_second / graphql.requests_per_second


def _speedup(figures: Figures) -> float:
    first = figures.recomputes[0]
    return first.contacts_per_second / _naive(figures).contacts_per_second


def _cpu_saving(figures: Figures) -> float:
    return _naive(figures).cpu_us_per_contact / figures.recomputes[0].cpu_us_per_contact


def _naive(figures: Figures) -> NaiveFigures:
    assert figures.naive is not None
    return figures.naive
