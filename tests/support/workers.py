"""Real Celery workers in subprocesses, on the real Redis broker, sharing
the test's database through the wire stand-in (or a real MONGODB_URI)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import redis

from gateway.store import Store

REDIS_HOST = "127.0.0.1"
REDIS_PORT = 6379
# A Redis database of the tests' own, emptied before each test that uses it;
# TEST_REDIS_DB picks another, so that two checkouts can test at once.
REDIS_TEST_DB = int(os.environ.get("TEST_REDIS_DB", "13"))

# How long a test waits for a worker to start, or for work to finish,
# before failing rather than hanging. Generous: these machines are shared.
WAIT_SECONDS = 60.0


def broker_url(port: int = REDIS_PORT, db: int = REDIS_TEST_DB) -> str:
    return f"redis://{REDIS_HOST}:{port}/{db}"


def empty_test_broker() -> str:
    """The tests' broker URL, after emptying its database."""
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_TEST_DB)
    client.flushdb()
    client.close()
    return broker_url()


def worker_env(
    mongo_uri: str, store: Store, broker: str, **extra: str
) -> dict[str, str]:
    """The environment of a worker on `store`'s database and `broker`."""
    return {
        "MONGODB_URI": mongo_uri,
        "MONGODB_DATABASE": store.database.name,
        "CELERY_BROKER_URL": broker,
        "LOG_LEVEL": "INFO",
        **extra,
    }


class Worker:
    """`outbound-gateway worker` in a process of its own.

    The solo pool (the default here) runs tasks in the worker's own
    process, so SIGKILL to that one process is the death of the whole
    worker, as when a machine dies.
    """

    def __init__(self, env: dict[str, str], log: Path, pool: str = "solo") -> None:
        self.log = log
        self._log_file = log.open("ab")
        # Two children are enough to spread a prefork worker's tasks.
        children = ["--concurrency", "2"] if pool == "prefork" else []
        self.process = subprocess.Popen(
            [cli_path(), "worker", "--pool", pool, *children],
            env={**os.environ, **env},
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    def wait_until_ready(self) -> None:
        wait_for(lambda: b"ready." in self.log.read_bytes(), "the worker to start")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acknowledgement, nothing handed back."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self._log_file.close()

    def stop(self) -> None:
        stop_process(self.process)
        self._log_file.close()


class PrivateRedis:
    """A redis-server of a test's own, to stop and start as a broker outage."""

    def __init__(self, workdir: Path, password: str | None = None) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.password = password
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        url = broker_url(self.port, 0)
        if self.password is None:
            return url
        return url.replace("redis://", f"redis://:{self.password}@", 1)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--bind",
                REDIS_HOST,
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                *([] if self.password is None else ["--requirepass", self.password]),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, "the private Redis to start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait()
            self.process = None

    def _answers(self) -> bool:
        try:
            client = redis.Redis(
                host=REDIS_HOST, port=self.port, password=self.password
            )
            return bool(client.ping())
        except redis.ConnectionError:
            return False


def stop_process(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM, as an orchestrator stops a process, then SIGKILL if it lingers;
    returns the exit status."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((REDIS_HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        time.sleep(0.1)


def cli_path() -> str:
    """The `outbound-gateway` command installed beside this Python."""
    return str(Path(sys.executable).with_name("outbound-gateway"))
