"""The selection rules: which number a contact is texted or called from.

In order of precedence:

1. the assigned user's inbound number;
2. the number the contact was last contacted from;
3. the location's default outbound number;
4. no number at all.

A rule is skipped when its number is not an active number of the pool, or
cannot serve the channel. Every selection explains itself in one sentence
that names the number or the user and says why the earlier rules did not
apply. This module does no I/O, so the gateway, the tasks and the impact
preview all decide with exactly the same code.
"""

from __future__ import annotations

from gateway.records import Channel, Location, Reason, Selection, User


def select_outbound_number(
    *,
    assigned_user_id: str | None,
    assigned_user: User | None,
    last_outbound_number: str | None,
    location: Location,
    channel: Channel = Channel.SMS,
) -> Selection:
    """Choose the number to reach one contact from, over one channel.

    `assigned_user_id` is the contact's assignment as stored, and
    `assigned_user` the user it names (None when unassigned, or when the
    user cannot be found).
    """
    skipped: list[str] = []

    if assigned_user is not None and assigned_user.inbound_number:
        inbound = assigned_user.inbound_number
        problem = _unusable(inbound, location, channel)
        if problem is None:
            return Selection(
                number=inbound,
                reason=Reason.ASSIGNED_USER_INBOUND,
                explanation=(
                    f"Using {inbound}, the inbound number of {assigned_user.name},"
                    " to whom the contact is assigned."
                ),
            )
        skipped.append(f"{assigned_user.name}'s inbound number, {inbound}, {problem}")
    elif assigned_user is not None:
        skipped.append(
            f"their assigned user, {assigned_user.name}, has no inbound number"
        )
    elif assigned_user_id is not None:
        skipped.append("their assigned user no longer exists")
    else:
        skipped.append("they are not assigned to a user")

    if last_outbound_number:
        problem = _unusable(last_outbound_number, location, channel)
        if problem is None:
            return Selection(
                number=last_outbound_number,
                reason=Reason.PREVIOUS_NUMBER,
                explanation=(
                    f"Using {last_outbound_number}, the number this contact was"
                    f" last contacted from, because {_join(skipped)}."
                ),
            )
        skipped.append(f"the number used last time, {last_outbound_number}, {problem}")
    else:
        skipped.append("they have not been contacted before")

    default = location.default_outbound_number
    if default:
        problem = _unusable(default, location, channel)
        if problem is None:
            return Selection(
                number=default,
                reason=Reason.DEFAULT_OUTBOUND,
                explanation=(
                    f"Using the location's default outbound number {default},"
                    f" because {_join(skipped)}."
                ),
            )
        skipped.append(f"the default outbound number, {default}, {problem}")
    else:
        skipped.append("the location has no default outbound number")

    return Selection(
        number=None,
        reason=Reason.NO_NUMBER_AVAILABLE,
        explanation=f"No number is available, because {_join(skipped)}.",
    )


def _unusable(number: str, location: Location, channel: Channel) -> str | None:
    """Why `number` cannot send over `channel`, or None when it can."""
    phone = location.pool.get(number)
    if phone is None:
        return "is not in the location's pool"
    if not phone.is_active:
        return "has been released"
    if channel not in phone.capabilities:
        return f"cannot {_VERBS[channel]}"
    return None


_VERBS = {
    Channel.SMS: "send SMS",
    Channel.MMS: "send MMS",
    Channel.VOICE: "make calls",
}


def _join(clauses: list[str]) -> str:
    if len(clauses) == 1:
        return clauses[0]
    return "; ".join(clauses[:-1]) + "; and " + clauses[-1]
