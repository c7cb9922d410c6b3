"""A job runner that only remembers what it was given, so that a test can
run the work itself: late, twice, out of order, or in pieces."""

from __future__ import annotations

from gateway.records import RecomputeJob


class RecordingRunner:
    def __init__(self) -> None:
        self.dispatched: list[str] = []

    async def dispatch(self, job: RecomputeJob) -> None:
        self.dispatched.append(job.id)

    async def drain(self) -> None:
        return None
