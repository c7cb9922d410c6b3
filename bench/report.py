"""The figures of one run, as a table for people and as JSON for machines."""

from __future__ import annotations

from typing import Any

from bench.run import Figures

# The goals the figures are held against.
GRAPHQL_TO_PLAIN_GOAL = 2.0
SPEEDUP_GOAL = 20.0


def as_json(figures: Figures) -> dict[str, Any]:
    endpoints = {e.name: e for e in figures.endpoints}
    graphql, plain = endpoints["GraphQL"], endpoints["plain"]
    largest = figures.recomputes[-1]
    return {
        "machine": figures.machine,
        "graphql_to_plain_ratio": _ratio(graphql, plain),
        "graphql_requests_per_second": graphql.requests_per_second,
        "plain_requests_per_second": plain.requests_per_second,
        "reads_only_requests_per_second": endpoints["reads only"].requests_per_second,
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
        "naive_contacts_per_second": _naive(figures).contacts_per_second,
        "naive_round_trips_per_1000": _naive(figures).round_trips_per_thousand,
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
    ratio = _ratio(endpoints["GraphQL"], endpoints["plain"])
    rows = [
        f"| {e.name} | {e.requests_per_second:,.0f} | {e.p50_ms:.1f} | {e.p99_ms:.1f} |"
        for e in figures.endpoints
    ]
    return [
        "Page of 100 contacts with outboundNumber and assignedUser,"
        " 8 concurrent clients:",
        "",
        "| endpoint | requests/s | p50 ms | p99 ms |",
        "| --- | ---: | ---: | ---: |",
        *rows,
        "",
        f"GraphQL takes {ratio:.2f}x the plain endpoint's time per request"
        f" (goal: at most {GRAPHQL_TO_PLAIN_GOAL:g}x).",
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
        f"| {r.contacts:,} | {r.contacts_per_second:,.0f}"
        f" | {r.round_trips_per_thousand:.1f}"
        f" | {r.peak_memory_bytes / 1e6:.2f} |"
        for r in figures.recomputes
    ]
    return [
        f"Recompute of a whole location, chunks of {figures.sizes.chunk_size}:",
        "",
        "| contacts | contacts/s | round trips per 1,000 | peak traced MB |",
        "| ---: | ---: | ---: | ---: |",
        *rows,
        f"| one at a time ({naive.contacts:,}) | {naive.contacts_per_second:,.0f}"
        f" | {naive.round_trips_per_thousand:.1f} | |",
        "",
        f"Chunked recompute is {_speedup(figures):.1f}x faster than one at a time"
        f" (goal: at least {SPEEDUP_GOAL:g}x).",
    ]


def _ratio(graphql: Any, plain: Any) -> float:
    return float(plain.requests_per_second / graphql.requests_per_second)


def _speedup(figures: Figures) -> float:
    first = figures.recomputes[0]
    return first.contacts_per_second / _naive(figures).contacts_per_second


def _naive(figures: Figures) -> Any:
    assert figures.naive is not None
    return figures.naive
