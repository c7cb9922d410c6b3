"""The operator commands of `outbound-gateway`, run as a person would run
them, on a database shared with the test through the wire stand-in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.records import JobStatus
from gateway.runtime import build_runtime
from gateway.store import ContactFilter, Store
from tests.support.caches import stale_selections
from tests.support.locations import CAMPAIGN, FRONT, seed_location
from tests.support.servers import command_env
from tests.support.settings import make_settings

CLI = str(Path(sys.executable).with_name("outbound-gateway"))


@pytest.fixture
async def location_id(shared_store: Store) -> str:
    runtime = build_runtime(make_settings(), shared_store)
    location_id = await seed_location(runtime, 6)
    await runtime.outbox.drain()
    return location_id


def _run(mongo_uri: str, store: Store, *args: str) -> subprocess.CompletedProcess[str]:
    env = command_env(
        MONGODB_URI=mongo_uri,
        MONGODB_DATABASE=store.database.name,
        LOG_LEVEL="WARNING",
    )
    return subprocess.run(
        [CLI, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


async def test_recompute_runs_a_full_recompute_and_shows_its_progress(
    mongo_uri: str, shared_store: Store, location_id: str
) -> None:
    done = _run(mongo_uri, shared_store, "recompute", "--location", location_id)

    assert done.returncode == 0, done.stderr
    assert "SUCCEEDED" in done.stdout
    assert "6/6" in done.stdout
    [job] = await shared_store.jobs.recent(location_id, 1)
    assert (job.status, job.contacts_done) == (JobStatus.SUCCEEDED, 6)


async def test_recompute_without_waiting_prints_the_job_id(
    mongo_uri: str, shared_store: Store, location_id: str
) -> None:
    done = _run(
        mongo_uri, shared_store, "recompute", "--location", location_id, "--no-wait"
    )

    assert done.returncode == 0, done.stderr
    job = await shared_store.jobs.get(done.stdout.strip(), location_id)
    assert job is not None


async def test_jobs_lists_the_latest_jobs_of_a_location(
    mongo_uri: str, shared_store: Store, location_id: str
) -> None:
    _run(mongo_uri, shared_store, "recompute", "--location", location_id)

    listed = _run(mongo_uri, shared_store, "jobs", "--location", location_id)

    assert listed.returncode == 0, listed.stderr
    header, newest, *_ = listed.stdout.splitlines()
    assert header.split()[:3] == ["JOB", "KIND", "STATUS"]
    assert newest.split()[1:4] == ["FULL", "SUCCEEDED", "6/6"]


async def test_preview_shows_the_impact_and_changes_nothing(
    mongo_uri: str, shared_store: Store, location_id: str
) -> None:
    before = await shared_store.contacts.page(
        location_id, ContactFilter(), after_id=None, limit=100
    )

    shown = _run(
        mongo_uri,
        shared_store,
        "preview",
        "--location",
        location_id,
        "--default",
        CAMPAIGN,
    )

    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("4 of 6 contacts would switch number.")
    assert f"From:    {FRONT}" in shown.stdout
    assert "Because: DEFAULT_OUTBOUND" in shown.stdout
    after = await shared_store.contacts.page(
        location_id, ContactFilter(), after_id=None, limit=100
    )
    assert after == before
    assert await stale_selections(shared_store, location_id) == []


async def test_preview_of_an_impossible_change_says_why(
    mongo_uri: str, shared_store: Store, location_id: str
) -> None:
    shown = _run(
        mongo_uri,
        shared_store,
        "preview",
        "--location",
        location_id,
        "--release",
        "+16175550000",
    )

    assert shown.returncode == 1
    assert "The pool has no number +16175550000." in shown.stderr


def test_operator_commands_need_the_shared_database() -> None:
    env = {k: v for k, v in os.environ.items() if k != "MONGODB_URI"}

    done = subprocess.run(
        [CLI, "jobs", "--location", "x"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 2
    assert "MONGODB_URI is not set" in done.stderr


def test_schema_prints_the_sdl() -> None:
    done = subprocess.run([CLI, "schema"], capture_output=True, text=True, check=False)

    assert done.returncode == 0
    assert "type Query {" in done.stdout
    assert "previewSelectionChange" in done.stdout
