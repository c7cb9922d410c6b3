"""The long-lived parts a gateway or a command works with, built once."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.outbox import RecomputeOutbox
from gateway.runners import JobRunner, make_runner
from gateway.settings import Settings
from gateway.store import Store, connect, embedded_store


@dataclass(frozen=True, slots=True)
class Runtime:
    settings: Settings
    store: Store
    runner: JobRunner
    outbox: RecomputeOutbox


def build_runtime(
    settings: Settings, store: Store | None = None, runner: JobRunner | None = None
) -> Runtime:
    """Everything from the settings; `store` and `runner` replace theirs."""
    if store is None:
        store = open_store(settings)
    if runner is None:
        runner = make_runner(settings, store)
    outbox = RecomputeOutbox(store, runner, settings.job_stall_seconds)
    return Runtime(settings=settings, store=store, runner=runner, outbox=outbox)


def open_store(settings: Settings) -> Store:
    if settings.mongodb_uri is None:
        return embedded_store(settings.mongodb_database)
    return connect(settings.mongodb_uri.get_secret_value(), settings.mongodb_database)
