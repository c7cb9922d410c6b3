"""What the operator commands of the CLI do: start and watch recomputes."""

from __future__ import annotations

import asyncio
import sys

from gateway.errors import CommandError, GatewayError
from gateway.preview import SelectionChange, SelectionImpact, preview_change
from gateway.records import Cause, JobKind, Location, RecomputeJob
from gateway.runtime import Runtime, build_runtime
from gateway.settings import Settings

# How often a waiting `recompute` command reads the job's progress.
POLL_SECONDS = 0.5


async def recompute_location(
    settings: Settings, location_id: str, *, wait: bool
) -> int:
    runtime = _operator_runtime(settings)
    location = await _location(runtime, location_id)

    job = await runtime.outbox.enqueue(
        location.id, JobKind.FULL, Cause("cli recompute")
    )
    if not wait:
        print(job.id, flush=True)
        # Without a broker the job runs in this process: let it finish.
        await runtime.outbox.drain()
        return 0

    finished = await _watch(runtime, job)
    await runtime.outbox.drain()
    if finished.last_error:
        print(f"Last error: {finished.last_error}", file=sys.stderr)
    return 0 if finished.status.value == "SUCCEEDED" else 1


async def list_jobs(settings: Settings, location_id: str, first: int) -> int:
    runtime = _operator_runtime(settings)

    jobs = await runtime.store.jobs.recent(location_id, first)
    print(f"{'JOB':24}  {'KIND':16}  {'STATUS':9}  {'CONTACTS':>15}  QUEUED")
    for job in jobs:
        total = "?" if job.contacts_total is None else job.contacts_total
        progress = f"{job.contacts_done}/{total}"
        print(
            f"{job.id:24}  {job.kind.value:16}  {job.status.value:9}  {progress:>15}  "
            f"{job.queued_at:%Y-%m-%d %H:%M:%S}"
        )
    return 0


async def sweep(settings: Settings) -> int:
    runtime = _operator_runtime(settings)
    handed = await runtime.outbox.sweep()
    await runtime.outbox.drain()
    print(f"{handed} recompute jobs handed over.")
    return 0


async def show_preview(
    settings: Settings, location_id: str, change: SelectionChange, examples: int
) -> int:
    runtime = _operator_runtime(settings)
    location = await _location(runtime, location_id)

    try:
        impact = await preview_change(runtime, location, change, examples=examples)
    except GatewayError as error:
        raise CommandError(error.message) from None

    print(_impact_text(impact))
    return 0


def _impact_text(impact: SelectionImpact) -> str:
    lines = [
        f"{impact.contacts_switching} of {impact.contacts_considered} contacts"
        " would switch number."
    ]
    if not impact.complete:
        lines.append("(The location is too varied to read whole: counts are partial.)")
    for title, counts in (
        ("From", impact.by_old_number),
        ("To", impact.by_new_number),
        ("Because", {reason.value: n for reason, n in impact.by_new_reason.items()}),
    ):
        for key, count in sorted(counts.items(), key=lambda item: -item[1]):
            lines.append(f"  {title + ':':8} {key or '(no number)':24} {count:>8}")
    if impact.examples:
        lines.append("Examples:")
    for example in impact.examples:
        before, after = example.before, example.after
        lines.append(
            f"  {example.contact.name} ({example.contact.phone}):"
            f" {before.number or '(no number)'} -> {after.number or '(no number)'}"
        )
        lines.append(f"    {after.explanation}")
    return "\n".join(lines)


async def _watch(runtime: Runtime, job: RecomputeJob) -> RecomputeJob:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task(f"Job {job.id} {job.status.value}", total=None)
        while True:
            current = await runtime.store.jobs.get(job.id)
            assert current is not None
            progress.update(
                task,
                description=f"Job {job.id} {current.status.value}",
                completed=current.contacts_done,
                total=current.contacts_total,
            )
            if current.is_finished:
                return current
            await asyncio.sleep(POLL_SECONDS)


def _operator_runtime(settings: Settings) -> Runtime:
    if settings.is_embedded:
        raise CommandError(
            "MONGODB_URI is not set: these commands work on the shared database,"
            " and the embedded one lives only inside a running gateway.",
            exit_code=2,
        )
    return build_runtime(settings)


async def _location(runtime: Runtime, location_id: str) -> Location:
    location = await runtime.store.locations.get(location_id)
    if location is None:
        raise CommandError(f"No location has id {location_id}.")
    return location
