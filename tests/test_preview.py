"""The impact preview: it predicts exactly what a change then does, reads a
bounded amount, and writes nothing."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway import contacts, locations, users
from gateway.preview import (
    CapabilitiesChange,
    DefaultNumberChange,
    NumberRelease,
    SelectionChange,
    UserInboundChange,
    preview_change,
)
from gateway.records import Cause, Channel, Location
from gateway.runtime import Runtime, build_runtime
from gateway.store import ContactFilter, Store
from tests.support.api import Api
from tests.support.round_trips import CountingDatabase, RoundTrips
from tests.support.settings import make_settings
from tests.support.stores import close_test_store, open_test_store
from tests.support.tenants import (
    add_numbers,
    create_contact,
    create_user,
    new_tenant,
    snapshot,
)

NUMBERS = ["+12025550143", "+14155550100", "+12125550199", "+13105550100"]
CAUSE = Cause("test")


async def _cached_numbers(
    store: Store, location_id: str
) -> dict[str, tuple[str | None, str]]:
    found = await store.contacts.page(
        location_id, ContactFilter(), after_id=None, limit=10_000
    )
    return {
        c.id: (c.cached_selection.number, c.cached_selection.reason.value)
        for c in found
        if c.cached_selection is not None
    }


async def _apply(runtime: Runtime, location: Location, change: SelectionChange) -> None:
    if isinstance(change, DefaultNumberChange):
        await locations.set_default_outbound_number(
            runtime, location, change.number, CAUSE
        )
    elif isinstance(change, UserInboundChange):
        await users.set_user_inbound_number(
            runtime, location, change.user_id, change.number, CAUSE
        )
    elif isinstance(change, NumberRelease):
        await locations.release_phone_number(runtime, location, change.number, CAUSE)
    else:
        await locations.set_phone_number_capabilities(
            runtime, location, change.number, change.capabilities, CAUSE
        )
    await runtime.outbox.drain()


@st.composite
def _worlds(draw: st.DrawFn) -> dict:  # type: ignore[type-arg]
    user_count = draw(st.integers(0, 3))
    return {
        "inbound": [draw(st.sampled_from([None, *NUMBERS])) for _ in range(user_count)],
        "default": draw(st.sampled_from([None, *NUMBERS])),
        "released": draw(st.lists(st.sampled_from(NUMBERS), max_size=2, unique=True)),
        "sms_less": draw(st.lists(st.sampled_from(NUMBERS), max_size=1)),
        "contacts": draw(
            st.lists(
                st.tuples(
                    st.sampled_from([None, *range(user_count)]),
                    st.sampled_from([None, *NUMBERS]),
                ),
                max_size=12,
            )
        ),
    }


_CHANGES = st.one_of(
    st.builds(DefaultNumberChange, st.sampled_from([None, *NUMBERS])),
    st.tuples(st.integers(0, 2), st.sampled_from([None, *NUMBERS])),
    st.builds(NumberRelease, st.sampled_from(NUMBERS)),
    st.builds(
        CapabilitiesChange,
        st.sampled_from(NUMBERS),
        st.sampled_from([frozenset({Channel.VOICE}), frozenset(Channel)]),
    ),
)


async def _build(runtime: Runtime, world: dict) -> tuple[Location, list[str]]:  # type: ignore[type-arg]
    location, _ = await locations.create_location(runtime, "Preview")
    for number in NUMBERS:
        _, location = await locations.add_phone_number(
            runtime, location, number, None, CAUSE
        )
    user_ids = [
        (await users.create_user(runtime, location, f"User {i}", None, inbound)).id
        for i, inbound in enumerate(world["inbound"])
    ]
    for i, (user, last) in enumerate(world["contacts"]):
        contact = await contacts.create_contact(
            runtime,
            location,
            f"Contact {i}",
            f"+1617555{i:04d}",
            None if user is None else user_ids[user],
            CAUSE,
        )
        if last is not None:
            await contacts.record_outbound_message(
                runtime, location, contact.id, last, CAUSE
            )
    if world["default"] is not None:
        location = await locations.set_default_outbound_number(
            runtime, location, world["default"], CAUSE
        )
    for number in world["sms_less"]:
        _, location = await locations.set_phone_number_capabilities(
            runtime, location, number, frozenset({Channel.VOICE}), CAUSE
        )
    for number in world["released"]:
        _, location = await locations.release_phone_number(
            runtime, location, number, CAUSE
        )
    await runtime.outbox.drain()
    return location, user_ids


async def _preview_then_change(world: dict, drawn_change: object) -> None:  # type: ignore[type-arg]
    store = open_test_store()
    runtime = build_runtime(make_settings(), store)
    try:
        await store.prepare()
        location, user_ids = await _build(runtime, world)
        change = drawn_change
        if isinstance(change, tuple):
            if not user_ids:
                return
            change = UserInboundChange(user_ids[change[0] % len(user_ids)], change[1])
        assert isinstance(change, SelectionChange)
        before = await _cached_numbers(store, location.id)

        try:
            impact = await preview_change(runtime, location, change, examples=50)
        except Exception as refused:
            # The preview refuses exactly what the change itself refuses.
            with pytest.raises(type(refused)):
                await _apply(runtime, location, change)
            return
        assert await _cached_numbers(store, location.id) == before
        await _apply(runtime, location, change)
        after = await _cached_numbers(store, location.id)
    finally:
        await close_test_store(store)

    switched = {cid for cid in before if before[cid][0] != after[cid][0]}
    assert impact.contacts_switching == len(switched)
    assert impact.by_old_number == dict(Counter(before[c][0] for c in switched))
    assert impact.by_new_number == dict(Counter(after[c][0] for c in switched))
    assert {r.value: n for r, n in impact.by_new_reason.items()} == dict(
        Counter(after[c][1] for c in switched)
    )
    assert {e.contact.id for e in impact.examples} == switched
    for example in impact.examples:
        assert (example.after.number, example.after.reason.value) == after[
            example.contact.id
        ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=_worlds(), change=_CHANGES)
def test_the_preview_predicts_exactly_what_the_change_does(
    world: dict, change: object
) -> None:  # type: ignore[type-arg]
    asyncio.run(_preview_then_change(world, change))


async def _large_location(store: Store, contact_count: int) -> tuple[Runtime, Location]:
    runtime = build_runtime(make_settings(), store)
    await store.prepare()
    location, _ = await locations.create_location(runtime, "Large")
    for number in NUMBERS:
        _, location = await locations.add_phone_number(
            runtime, location, number, None, CAUSE
        )
    location = await locations.set_default_outbound_number(
        runtime, location, NUMBERS[0], CAUSE
    )
    ana = await users.create_user(runtime, location, "Ana", None, NUMBERS[1])
    for i in range(contact_count):
        await contacts.create_contact(
            runtime,
            location,
            f"C{i}",
            f"+1617555{i:04d}",
            ana.id if i % 2 else None,
            CAUSE,
        )
    await runtime.outbox.drain()
    return runtime, location


@pytest.mark.parametrize("contact_count", [40, 400])
async def test_a_preview_reads_the_same_whatever_the_size_and_writes_nothing(
    contact_count: int,
) -> None:
    plain = open_test_store()
    tally = RoundTrips()
    store = Store(CountingDatabase(plain.database, tally))
    runtime, location = await _large_location(store, contact_count)
    tally.reset()

    impact = await preview_change(
        runtime, location, DefaultNumberChange(NUMBERS[2]), examples=10
    )

    calls = dict(tally.calls)
    await close_test_store(plain)
    assert impact.contacts_switching == contact_count // 2
    assert len(impact.examples) == 10
    # One grouping, the users of the groups, one page of examples: and
    # nothing else, so no write.
    assert calls == {
        ("contacts", "aggregate"): 1,
        ("users", "find"): 1,
        ("contacts", "find"): 1,
    }


PREVIEW = """
query($change: SelectionChangeInput!) {
  previewSelectionChange(change: $change, examples: 5) {
    contactsConsidered contactsSwitching complete
    byOldNumber { number contacts } byNewNumber { number contacts }
    byNewReason { reason contacts }
    examples { contact { name } before { number reason } after { number reason explanation } }
  }
}
"""


async def test_the_preview_through_graphql_changes_nothing(api: Api) -> None:
    tenant = await new_tenant(api)
    await add_numbers(api, tenant, *NUMBERS)
    ana = await create_user(api, tenant, "Ana", NUMBERS[1])
    await create_contact(api, tenant, "Carla", "+13105550123", ana)
    await create_contact(api, tenant, "Dev", "+16175550111")
    before = await snapshot(api)

    data = await api.call(
        tenant.key,
        PREVIEW,
        change={"userInboundNumber": {"userId": ana, "number": NUMBERS[2]}},
    )

    impact = data["previewSelectionChange"]
    assert impact["contactsConsidered"] == 1
    assert impact["contactsSwitching"] == 1
    assert impact["byOldNumber"] == [{"number": NUMBERS[1], "contacts": 1}]
    assert impact["byNewNumber"] == [{"number": NUMBERS[2], "contacts": 1}]
    [example] = impact["examples"]
    assert example["contact"]["name"] == "Carla"
    assert example["after"]["reason"] == "ASSIGNED_USER_INBOUND"
    assert await snapshot(api) == before


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"releasedNumber": "not a number"}, "BAD_USER_INPUT"),
        ({"releasedNumber": "+16175550000"}, "NOT_FOUND"),
        ({"defaultOutboundNumber": {"number": "+16175550000"}}, "BAD_USER_INPUT"),
        ({"userInboundNumber": {"userId": "0" * 24}}, "NOT_FOUND"),
        ({"releasedNumber": NUMBERS[0], "defaultOutboundNumber": {}}, "BAD_USER_INPUT"),
    ],
)
async def test_a_preview_of_an_impossible_change_is_refused(
    api: Api,
    change: dict,
    code: str,  # type: ignore[type-arg]
) -> None:
    tenant = await new_tenant(api)
    await add_numbers(api, tenant, *NUMBERS)

    error = await api.fail(tenant.key, PREVIEW, change=change)

    assert error["extensions"]["code"] == code
