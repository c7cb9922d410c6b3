"""Checks that a benchmark did the work it claims to have timed.

Plain `assert` would vanish under `python -O` and the figures with it.
"""

from __future__ import annotations


class WrongWork(Exception):
    """A benchmark's work did not have the result it must have."""


def require(condition: bool, message: str) -> None:
    if not condition:
        raise WrongWork(message)
