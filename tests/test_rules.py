"""The selection rules, over every combination of their inputs."""

from __future__ import annotations

import itertools

import pytest

from gateway.records import Reason
from gateway.rules import select_outbound_number
from tests.support.builders import location, phone, user

INBOUND = "+14155550100"
PREVIOUS = "+12125550199"
DEFAULT = "+12025550143"

# Each input: absent, present and active, or present and released.
STATES = ("absent", "active", "released")


def _case_id(case: tuple[str, str, str, str]) -> str:
    assignment, inbound, previous, default = case
    return f"{assignment}-inbound_{inbound}-previous_{previous}-default_{default}"


CASES = [
    case
    for case in itertools.product(("unassigned", "assigned"), STATES, STATES, STATES)
    # An unassigned contact has no user, so no inbound number to vary.
    if not (case[0] == "unassigned" and case[1] != "absent")
]


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_the_first_usable_rule_in_precedence_order_chooses(
    case: tuple[str, str, str, str],
) -> None:
    assignment, inbound, previous, default = case
    pool = [
        phone(number, active=state == "active")
        for number, state in (
            (INBOUND, inbound),
            (PREVIOUS, previous),
            (DEFAULT, default),
        )
        if state != "absent"
    ]
    place = location(*pool, default=DEFAULT if default != "absent" else None)
    assigned = user(inbound=INBOUND if inbound != "absent" else None)

    selection = select_outbound_number(
        assigned_user_id="user-1" if assignment == "assigned" else None,
        assigned_user=assigned if assignment == "assigned" else None,
        last_outbound_number=PREVIOUS if previous != "absent" else None,
        location=place,
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

    # The explanation names what was chosen and every released number that
    # an earlier rule would have used.
    if expected_number is not None:
        assert expected_number in selection.explanation
    for reason, number, state in candidates:
        if state == "released" and _precedes(reason, expected_reason):
            assert f"{number}, has been released" in selection.explanation


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
