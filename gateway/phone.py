"""Reading phone numbers as people type them, and writing them as E.164."""

from __future__ import annotations

import phonenumbers

from gateway.errors import BadUserInput

# Longer than any real number in any format; refusing early keeps the
# parser away from megabytes of hostile input.
MAX_INPUT_LENGTH = 40


def to_e164(text: str, *, default_region: str, field: str = "number") -> str:
    """Parse `text` (E.164, or national format in `default_region`)."""
    if len(text) > MAX_INPUT_LENGTH:
        raise BadUserInput(f"{field} is too long to be a phone number.", field=field)

    try:
        parsed = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        raise BadUserInput(
            f"{field} {text!r} is not a phone number.", field=field
        ) from None

    if not phonenumbers.is_valid_number(parsed):
        raise BadUserInput(
            f"{field} {text!r} is not a valid phone number.", field=field
        )

    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
