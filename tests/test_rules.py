"""The selection rules, over every combination of their inputs."""

from __future__ import annotations

import itertools

import pytest

from gateway.records import ALL_CHANNELS, Channel, PhoneNumber, Reason
from gateway.rules import select_outbound_number
from tests.support.builders import location, phone, user

INBOUND = "+14155550100"
PREVIOUS = "+12125550199"
DEFAULT = "+12025550143"

# Each number: absent, active and able to serve the channel, active but not
# able to serve it, or released.
STATES = ("absent", "active", "incapable", "released")
CHANNELS = tuple(Channel)
WHY_NOT = {
    "released": "has been released",
    "incapable": {
        Channel.SMS: "cannot send SMS",
        Channel.MMS: "cannot send MMS",
        Channel.VOICE: "cannot make calls",
    },
}

Case = tuple[Channel, str, str, str, str]


def _case_id(case: Case) -> str:
    channel, assignment, inbound, previous, default = case
    return (
        f"{channel.value}-{assignment}"
        f"-inbound_{inbound}-previous_{previous}-default_{default}"
    )


CASES = [
    case
    for case in itertools.product(
        CHANNELS, ("unassigned", "assigned"), STATES, STATES, STATES
    )
    # An unassigned contact has no user, so no inbound number to vary.
    if not (case[1] == "unassigned" and case[2] != "absent")
]


def _number(number: str, state: str, channel: Channel) -> PhoneNumber:
    capable = frozenset(Channel) - {channel} if state == "incapable" else ALL_CHANNELS
    return phone(number, active=state != "released", capabilities=capable)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_the_first_usable_rule_in_precedence_order_chooses(case: Case) -> None:
    channel, assignment, inbound, previous, default = case
    numbered = ((INBOUND, inbound), (PREVIOUS, previous), (DEFAULT, default))
    pool = [_number(n, state, channel) for n, state in numbered if state != "absent"]
    place = location(*pool, default=DEFAULT if default != "absent" else None)
    assigned = user(inbound=INBOUND if inbound != "absent" else None)

    selection = select_outbound_number(
        assigned_user_id="user-1" if assignment == "assigned" else None,
        assigned_user=assigned if assignment == "assigned" else None,
        last_outbound_number=PREVIOUS if previous != "absent" else None,
        location=place,
        channel=channel,
    )

    candidates = [
        (Reason.ASSIGNED_USER_INBOUND, INBOUND, inbound),
        (Reason.PREVIOUS_NUMBER, PREVIOUS, previous),
        (Reason.DEFAULT_OUTBOUND, DEFAULT, default),
    ]
    usable = [
        (reason, number) for reason, number, state in candidates if state == "active"
    ]
    expected_reason, expected_number = (
        usable[0] if usable else (Reason.NO_NUMBER_AVAILABLE, None)
    )
    assert (selection.reason, selection.number) == (expected_reason, expected_number)

    # The explanation names what was chosen, and says why each number an
    # earlier rule would have used was skipped.
    if expected_number is not None:
        assert expected_number in selection.explanation
    for reason, number, state in candidates:
        if state in WHY_NOT and _precedes(reason, expected_reason):
            why = WHY_NOT[state]
            why = why if isinstance(why, str) else why[channel]
            assert f"{number}, {why}" in selection.explanation


def _precedes(first: Reason, second: Reason) -> bool:
    order = list(Reason)
    return order.index(first) < order.index(second)


def test_a_later_message_from_another_number_does_not_beat_the_inbound_number() -> None:
    place = location(phone(INBOUND), phone(PREVIOUS), phone(DEFAULT), default=DEFAULT)

    selection = select_outbound_number(
        assigned_user_id="user-1",
        assigned_user=user(inbound=INBOUND),
        last_outbound_number=PREVIOUS,
        location=place,
    )

    assert selection.number == INBOUND
    assert selection.reason is Reason.ASSIGNED_USER_INBOUND


def test_the_explanation_names_the_user_and_says_why_earlier_rules_were_skipped() -> (
    None
):
    place = location(phone(PREVIOUS, active=False), phone(DEFAULT), default=DEFAULT)

    selection = select_outbound_number(
        assigned_user_id="user-1",
        assigned_user=user(name="Ben Okafor"),
        last_outbound_number=PREVIOUS,
        location=place,
    )

    assert selection.explanation == (
        "Using the location's default outbound number +12025550143, because their"
        " assigned user, Ben Okafor, has no inbound number; and the number used"
        " last time, +12125550199, has been released."
    )


def test_a_number_missing_from_the_pool_is_never_chosen() -> None:
    place = location(phone(DEFAULT), default=DEFAULT)

    selection = select_outbound_number(
        assigned_user_id=None,
        assigned_user=None,
        last_outbound_number=PREVIOUS,
        location=place,
    )

    assert selection.number == DEFAULT
    assert "is not in the location's pool" in selection.explanation


def test_an_assignment_to_a_user_that_no_longer_exists_falls_through() -> None:
    selection = select_outbound_number(
        assigned_user_id="gone",
        assigned_user=None,
        last_outbound_number=None,
        location=location(),
    )

    assert selection.reason is Reason.NO_NUMBER_AVAILABLE
    assert "no longer exists" in selection.explanation


def test_a_number_that_cannot_send_sms_is_skipped_with_a_reason() -> None:
    voice_only = phone(PREVIOUS, capabilities=frozenset({Channel.VOICE}))
    place = location(voice_only, phone(DEFAULT), default=DEFAULT)

    sms = select_outbound_number(
        assigned_user_id=None,
        assigned_user=None,
        last_outbound_number=PREVIOUS,
        location=place,
    )
    call = select_outbound_number(
        assigned_user_id=None,
        assigned_user=None,
        last_outbound_number=PREVIOUS,
        location=place,
        channel=Channel.VOICE,
    )

    assert (sms.number, sms.reason) == (DEFAULT, Reason.DEFAULT_OUTBOUND)
    assert "the number used last time, +12125550199, cannot send SMS" in sms.explanation
    assert (call.number, call.reason) == (PREVIOUS, Reason.PREVIOUS_NUMBER)
