"""Cached selections converge on the live ones, whatever order work runs in.

A model-based test: hypothesis draws a program of changes (reassignments,
messages recorded, inbound and default numbers changed, numbers released
and added back, contacts created) interleaved with recompute work that a
test-controlled runner holds back: jobs planned late, chunks run twice and
out of order, and chunks whose read step and write step are split apart by
other changes. The store never yields to the event loop on its own, so the
interleavings are staged here, step by step, instead of hoped for.

Mutations are split too: a "split" step starts a reassignment or a message
record, and runs a few other steps after the mutation has read the contact
and before its write lands.

After the queue drains, in an order hypothesis also picks, every cached
selection must equal the one the rules give from the current documents.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway import contacts, locations, users
from gateway.errors import Contention, GatewayError
from gateway.recompute import ChunkRead, plan_job, read_chunk, run_chunk, write_chunk
from gateway.records import Cause, Chunk, RecomputeJob
from gateway.runtime import Runtime, build_runtime
from tests.support.caches import stale_selections
from tests.support.runners import RecordingRunner
from tests.support.settings import make_settings
from tests.support.stores import close_test_store, open_test_store

# Few numbers, users and contacts, so that changes collide often.
NUMBERS = ["+12025550143", "+14155550100", "+12125550199"]
CAUSE = Cause("test")
USERS = 2
CONTACTS = 5

CHANGES = [
    "assign",
    "record",
    "inbound",
    "default",
    "release",
    "add_back",
    "create_contact",
]
WORK = ["plan", "read", "write", "run_chunk_again", "run_all"]
# Work is listed twice so that programs hold back and release work often.
ACTIONS = [*CHANGES, *WORK, *WORK, "split"]


@dataclass
class World:
    runtime: Runtime
    runner: RecordingRunner
    location_id: str
    user_ids: list[str]
    contact_ids: list[str]
    planned: list[tuple[RecomputeJob, Chunk]] = field(default_factory=list)
    reads: list[ChunkRead] = field(default_factory=list)
    done: list[tuple[RecomputeJob, Chunk]] = field(default_factory=list)
    next_phone: int = 0


async def _build_world() -> World:
    runner = RecordingRunner()
    # Chunks of two contacts, so a job has several to split apart.
    runtime = build_runtime(
        make_settings(recompute_chunk_size=2), open_test_store(), runner
    )
    await runtime.store.prepare()

    location, _ = await locations.create_location(runtime, "Model")
    for number in NUMBERS:
        _, location = await locations.add_phone_number(
            runtime, location, number, None, CAUSE
        )
    location = await locations.set_default_outbound_number(
        runtime, location, NUMBERS[0], CAUSE
    )
    user_ids = [
        (await users.create_user(runtime, location, f"User {i}", None, NUMBERS[i])).id
        for i in range(USERS)
    ]
    world = World(runtime, runner, location.id, user_ids, [])
    for _ in range(CONTACTS):
        await _create_contact(world)
    return world


async def _location(world: World):  # type: ignore[no-untyped-def]
    location = await world.runtime.store.locations.get(world.location_id)
    assert location is not None
    return location


async def _create_contact(world: World) -> None:
    world.next_phone += 1
    contact = await contacts.create_contact(
        world.runtime,
        await _location(world),
        f"Contact {world.next_phone}",
        f"+1617555{world.next_phone:04d}",
        None,
        CAUSE,
    )
    world.contact_ids.append(contact.id)


async def _step(world: World, action: str, data: st.DataObject) -> None:
    try:
        await _act(world, action, data)
    finally:
        # Jobs are handed to the runner in the background; let that happen
        # now, so that the held-back queue is complete after every step.
        await world.runtime.outbox.drain()


async def _act(world: World, action: str, data: st.DataObject) -> None:
    runtime, location = world.runtime, await _location(world)
    pick = data.draw

    if action == "assign":
        contact = pick(st.sampled_from(world.contact_ids))
        user = pick(st.sampled_from([*world.user_ids, None]))
        await contacts.assign_contact(runtime, location, contact, user, CAUSE)
    elif action == "record":
        contact = pick(st.sampled_from(world.contact_ids))
        number = pick(st.sampled_from(NUMBERS))
        await contacts.record_outbound_message(
            runtime, location, contact, number, CAUSE
        )
    elif action == "inbound":
        user = pick(st.sampled_from(world.user_ids))
        number = pick(st.sampled_from([*NUMBERS, None]))
        await users.set_user_inbound_number(runtime, location, user, number, CAUSE)
    elif action == "default":
        number = pick(st.sampled_from([*NUMBERS, None]))
        await locations.set_default_outbound_number(runtime, location, number, CAUSE)
    elif action == "release":
        number = pick(st.sampled_from(NUMBERS))
        await locations.release_phone_number(runtime, location, number, CAUSE)
    elif action == "add_back":
        number = pick(st.sampled_from(NUMBERS))
        await locations.add_phone_number(runtime, location, number, None, CAUSE)
    elif action == "create_contact":
        await _create_contact(world)
    elif action == "split":
        await _split_mutation(world, data)
    else:
        await _work(world, action, data)


async def _refusable_step(world: World, action: str, data: st.DataObject) -> None:
    """A step that the gateway may refuse (a released number, say), as it
    would refuse a client; giving up under contention is never right."""
    try:
        await _step(world, action, data)
    except Contention:
        raise
    except GatewayError:
        pass


async def _split_mutation(world: World, data: st.DataObject) -> None:
    """A mutation with other steps run between its reads and its write."""
    contacts_store = world.runtime.store.contacts
    write = contacts_store.write_selections
    # A change lands under the mutation, and often its job runs to the end
    # too, before the mutation's own write.
    change = data.draw(st.sampled_from(CHANGES))
    work = data.draw(st.lists(st.sampled_from(WORK), max_size=3))
    inner = [change, *work]

    async def interleaved(*args, **kwargs):  # type: ignore[no-untyped-def]
        contacts_store.write_selections = write  # type: ignore[method-assign]
        for action in inner:
            await _refusable_step(world, action, data)
        return await write(*args, **kwargs)

    contacts_store.write_selections = interleaved  # type: ignore[method-assign]
    try:
        outer = data.draw(st.sampled_from(["assign", "record"]))
        await _step(world, outer, data)
    finally:
        contacts_store.write_selections = write  # type: ignore[method-assign]


async def _work(world: World, action: str, data: st.DataObject) -> None:
    """One piece of held-back recompute work, chosen by hypothesis."""
    store, pick = world.runtime.store, data.draw

    if action == "plan" and world.runner.dispatched:
        job_id = world.runner.dispatched.pop(
            pick(st.integers(0, len(world.runner.dispatched) - 1))
        )
        planned = await plan_job(
            store, job_id, world.runtime.settings.recompute_chunk_size
        )
        if planned is not None:
            job, chunks = planned
            world.planned += [(job, chunk) for chunk in chunks]
    elif action == "read" and world.planned:
        job, chunk = world.planned.pop(pick(st.integers(0, len(world.planned) - 1)))
        world.reads.append(await read_chunk(store, job, chunk))
    elif action == "write" and world.reads:
        read = world.reads.pop(pick(st.integers(0, len(world.reads) - 1)))
        await write_chunk(store, read)
        world.done.append((read.job, read.chunk))
    elif action == "run_chunk_again" and world.done:
        job, chunk = pick(st.sampled_from(world.done))
        await run_chunk(store, job, chunk)
    elif action == "run_all":
        await _run_dispatched(world)


async def _drain(world: World, data: st.DataObject) -> None:
    """Run everything still held back.

    Either in an order hypothesis picks, or adversarially: the newest jobs
    first, and the chunk reads held longest written last, which is the
    order most likely to land an old write over a new one.
    """
    if data.draw(st.booleans()):
        await _drain_adversarially(world)
        return

    while world.runner.dispatched or world.planned or world.reads:
        choices = [
            name
            for name, pending in (
                ("plan", world.runner.dispatched),
                ("read", world.planned),
                ("write", world.reads),
            )
            if pending
        ]
        await _work(world, data.draw(st.sampled_from(choices)), data)


async def _drain_adversarially(world: World) -> None:
    held, world.reads = world.reads, []
    await _run_dispatched(world)
    for read in held:
        await write_chunk(world.runtime.store, read)


async def _run_dispatched(world: World) -> None:
    """Run every job dispatched so far to the end, the newest first."""
    store = world.runtime.store
    while world.runner.dispatched or world.planned:
        if world.runner.dispatched:
            job_id = world.runner.dispatched.pop()
            chunk_size = world.runtime.settings.recompute_chunk_size
            planned = await plan_job(store, job_id, chunk_size)
            if planned is not None:
                job, chunks = planned
                world.planned += [(job, chunk) for chunk in chunks]
        while world.planned:
            job, chunk = world.planned.pop()
            await run_chunk(store, job, chunk)


async def _program(data: st.DataObject) -> list[str]:
    world = await _build_world()
    try:
        program = st.lists(st.sampled_from(ACTIONS), min_size=10, max_size=40)
        # Ending with a split mutation leaves no later job to hide its
        # mistakes, if it made any.
        ending = ["split"] if data.draw(st.booleans()) else []
        for action in data.draw(program) + ending:
            await _refusable_step(world, action, data)
        await _drain(world, data)
        return await stale_selections(world.runtime.store, world.location_id)
    finally:
        await close_test_store(world.runtime.store)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_cached_selection_converges_on_the_live_one(data: st.DataObject) -> None:
    assert asyncio.run(_program(data)) == []
