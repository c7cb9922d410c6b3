"""API keys: made at random, shown once, stored only as a hash.

A key looks like `obg_` followed by 43 URL-safe characters. The prefix lets
secret scanners recognise a leaked key; the rest carries 256 random bits, so
a fast hash is enough to keep the stored form useless to a thief.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

KEY_PREFIX = "obg_"
_RANDOM_BYTES = 32


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(_RANDOM_BYTES)


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def looks_like_api_key(value: str) -> bool:
    return value.startswith(KEY_PREFIX) and len(value) < 200


def same_secret(given: str, expected: str) -> bool:
    """Compare in constant time, so timing reveals nothing of `expected`."""
    return hmac.compare_digest(given.encode(), expected.encode())
