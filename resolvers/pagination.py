"""Cursors and page sizes for the contact connections."""

from __future__ import annotations

import base64
import binascii
import re

from gateway.errors import BadUserInput

_CURSOR_PREFIX = "contact:"
_OBJECT_ID = re.compile(r"[0-9a-f]{24}")


def checked_page_size(first: int, maximum: int, field: str = "first") -> int:
    if first < 0:
        raise BadUserInput(f"{field} must not be negative.", field=field)
    if first > maximum:
        raise BadUserInput(f"{field} must be at most {maximum}.", field=field)
    return first


def encode_cursor(contact_id: str) -> str:
    raw = (_CURSOR_PREFIX + contact_id).encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_cursor(cursor: str) -> str:
    """The contact id inside a cursor this API gave out."""
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeError, ValueError):
        raw = ""
    contact_id = raw.removeprefix(_CURSOR_PREFIX)
    if not raw.startswith(_CURSOR_PREFIX) or not _OBJECT_ID.fullmatch(contact_id):
        raise BadUserInput("after is not a cursor this API gave out.", field="after")
    return contact_id
