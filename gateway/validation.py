"""Checks on the free-text values callers send: names, emails, labels."""

from __future__ import annotations

import re

from gateway.errors import BadUserInput

MAX_NAME_LENGTH = 200
MAX_LABEL_LENGTH = 100
# The longest address SMTP can carry.
MAX_EMAIL_LENGTH = 254

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def clean_text(value: str, *, field: str, max_length: int = MAX_NAME_LENGTH) -> str:
    """`value` without surrounding blanks; it must be printable and not empty."""
    text = value.strip()
    if not text:
        raise BadUserInput(f"{field} must not be empty.", field=field)
    if len(text) > max_length:
        raise BadUserInput(
            f"{field} must be at most {max_length} characters long.", field=field
        )
    if not text.isprintable():
        raise BadUserInput(f"{field} must not contain control characters.", field=field)
    return text


def clean_optional_text(
    value: str | None, *, field: str, max_length: int = MAX_NAME_LENGTH
) -> str | None:
    if value is None or not value.strip():
        return None
    return clean_text(value, field=field, max_length=max_length)


def clean_email(value: str | None) -> str | None:
    email = clean_optional_text(value, field="email", max_length=MAX_EMAIL_LENGTH)
    if email is not None and not _EMAIL.fullmatch(email):
        raise BadUserInput(f"email {email!r} is not an email address.", field="email")
    return email
