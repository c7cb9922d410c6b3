"""Three clocks read together: wall time, this process's CPU (the gateway's
work, with the driver's threads), and the database process's CPU."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Clocks:
    wall: float
    cpu: float
    database_cpu: float


class Stopwatch:
    def __init__(self, database_cpu: Callable[[], float]) -> None:
        self._database_cpu = database_cpu
        self._start = self._now()

    def elapsed(self) -> Clocks:
        """Seconds on each clock since the stopwatch was made."""
        now = self._now()
        return Clocks(
            wall=now.wall - self._start.wall,
            cpu=now.cpu - self._start.cpu,
            database_cpu=now.database_cpu - self._start.database_cpu,
        )

    def _now(self) -> Clocks:
        return Clocks(time.perf_counter(), time.process_time(), self._database_cpu())
