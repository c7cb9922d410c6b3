"""A worker's metrics, served over HTTP and counted across its processes.

The prefork pool runs tasks in child processes, each counting in its own
memory. In prometheus_client's multiprocess mode every process keeps its
counts in a file of one shared directory, and the HTTP server in the main
process adds them up when scraped. The directory is the worker's own, made
at start and removed at exit, so counts start from zero with each run of
the worker, as any restarted process's counters do.

The mode is fixed when the first metric is defined, from the environment:
`prepare` must run before `gateway.metrics` is first imported.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import sys
import tempfile

logger = logging.getLogger(__name__)

MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"
# Every interface: Prometheus scrapes a worker from another container.
LISTEN_ADDRESS = "0.0.0.0"


class MetricsTooEarly(RuntimeError):
    """A metric was defined before multiprocess mode could be chosen."""


def prepare() -> None:
    """Put this process and the ones it forks in multiprocess mode."""
    if "prometheus_client" in sys.modules:
        raise MetricsTooEarly(
            "prometheus_client was imported before the worker chose its "
            "multiprocess mode; the worker's metrics would miss its children"
        )

    directory = tempfile.mkdtemp(prefix="outbound-gateway-metrics-")
    os.environ[MULTIPROCESS_DIRECTORY] = directory
    atexit.register(_remove, directory, os.getpid())


def serve(port: int) -> None:
    """Serve the counts of every process of this worker on `port`."""
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    start_http_server(port, addr=LISTEN_ADDRESS, registry=registry)
    logger.info("Serving the worker's metrics on port %d.", port)


def _remove(directory: str, owner: int) -> None:
    # A forked child inherits this hook; only the process that made the
    # directory removes it.
    if os.getpid() == owner:
        shutil.rmtree(directory, ignore_errors=True)
