"""The database the benchmarks run against: the wire stand-in over
mongomock (tests/support/mongo_wire.py), in a process of its own.

In its own process, the database's work runs on the other core and stays
out of the memory this process traces, as a real server's would. The
gateway reaches it through the real Motor driver, so every round trip is a
real one: encoded, sent over a socket, answered, decoded.

Two costs of mongomock a real server does not have are taken away there
(bench/mongomock_speed.py). `python -m bench.database` runs the server: it
prints its URI and serves until its standard input closes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from types import TracebackType
from typing import Self

from pymongo import monitoring

from bench import mongomock_speed
from tests.support.mongo_wire import MongoWireServer
from tests.support.round_trips import CommandCounter


class BenchDatabase:
    """The server process, and a count of the commands sent to it."""

    def __init__(self) -> None:
        self.uri = ""
        self._commands: CommandCounter | None = None
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> Self:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.database"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        self.uri = self._process.stdout.readline().strip()
        if not self.uri:
            raise RuntimeError("the benchmark database did not start")

        # Registered before any client is made, so that every client sees it.
        port = int(self.uri.split(":")[2].split("/")[0])
        self._commands = CommandCounter(port)
        monitoring.register(self._commands)
        return self

    def commands(self) -> CommandCounter:
        """The count of commands the driver has sent to this database."""
        assert self._commands is not None
        return self._commands

    def cpu_seconds(self) -> float:
        """CPU the database process has used so far (read from Linux's /proc)."""
        assert self._process is not None
        with open(f"/proc/{self._process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        user, system = int(fields[11]), int(fields[12])
        return (user + system) / os.sysconf("SC_CLK_TCK")

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._process is None:
            return
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(timeout=30)


def serve() -> None:
    mongomock_speed.install()
    with MongoWireServer() as server:
        print(server.uri, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    serve()
