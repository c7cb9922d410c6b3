"""Settings: a bad value stops start-up with a message that names the
setting, and no secret is ever printed, at start-up or after.

Each test runs `outbound-gateway` as an operator does, in a directory of
its own so that no `.env` file is read.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from gateway.settings import Settings
from tests.support.mongo_wire import MongoWireServer
from tests.support.servers import Gateway, command_env
from tests.support.workers import PrivateRedis, Worker, cli_path, free_port, wait_for

MONGODB_PASSWORD = "mongo-pass-4417"
BROKER_PASSWORD = "broker-pass-8823"
ADMIN_TOKEN = "admin-token-5521-abcdefghijklmnop"


def _run(
    workdir: Path, *args: str, **settings: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [cli_path(), *args],
        env=command_env(**settings),
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _problem(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    return result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEFAULT_REGION", "XX"),
        ("MAX_PAGE_SIZE", "lots"),
        ("LOG_FORMAT", "yaml"),
        ("RECOMPUTE_CHUNK_SIZE", "0"),
    ],
)
def test_a_bad_value_stops_serve_with_a_message_naming_the_setting(
    tmp_path: Path, name: str, value: str
) -> None:
    result = _run(tmp_path, "serve", **{name: value})

    assert f"  {name}: " in _problem(result)


def test_production_without_an_admin_token_is_refused(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        "serve",
        GATEWAY_ENV="production",
        MONGODB_URI="mongodb://127.0.0.1:27017",
    )

    assert "GATEWAY_ADMIN_TOKEN must be set in production" in _problem(result)


def test_a_refusal_prints_no_secret(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        "worker",
        GATEWAY_ENV="production",
        MONGODB_URI=f"mongodb://operator:{MONGODB_PASSWORD}@127.0.0.1:27017",
        CELERY_BROKER_URL=f"redis://:{BROKER_PASSWORD}@127.0.0.1:6379/0",
        GATEWAY_ADMIN_TOKEN="too-short-5521",
    )

    problem = _problem(result)
    assert "GATEWAY_ADMIN_TOKEN" in problem
    _assert_no_secret(problem + result.stdout, "too-short-5521")


def test_the_gateway_logs_no_secret_when_mongodb_cannot_be_reached(
    tmp_path: Path,
) -> None:
    broker = PrivateRedis(tmp_path, password=BROKER_PASSWORD)
    broker.start()
    unreachable = f"127.0.0.1:{free_port()}"
    gateway = Gateway(
        tmp_path,
        MONGODB_URI=f"mongodb://operator:{MONGODB_PASSWORD}@{unreachable}/",
        CELERY_BROKER_URL=broker.url,
        GATEWAY_ADMIN_TOKEN=ADMIN_TOKEN,
        LOG_LEVEL="DEBUG",
    )
    try:
        status = gateway.process.wait(timeout=60)
    finally:
        gateway.stop()
        broker.stop()

    log = gateway.stderr.read_text()
    assert status != 0
    assert "Application startup failed" in log
    assert unreachable in log
    _assert_no_secret(log + gateway.stdout.read_text())


def test_the_gateway_and_a_worker_log_no_secret_while_running(
    tmp_path: Path,
) -> None:
    broker = PrivateRedis(tmp_path, password=BROKER_PASSWORD)
    broker.start()
    secrets = {
        "CELERY_BROKER_URL": broker.url,
        "GATEWAY_ADMIN_TOKEN": ADMIN_TOKEN,
        "LOG_LEVEL": "DEBUG",
    }
    # The embedded gateway's demo sends its recompute jobs to the worker,
    # whose MongoDB (the wire stand-in, which knows no authentication)
    # refuses the credentials: the failure is logged, the password is not.
    database = MongoWireServer().start()
    worker_mongo = f"mongodb://operator:{MONGODB_PASSWORD}@127.0.0.1:{database.port}/"
    worker = Worker({**secrets, "MONGODB_URI": worker_mongo}, tmp_path / "worker.log")
    gateway = Gateway(tmp_path, **secrets)
    try:
        worker.wait_until_ready()
        gateway.wait_until_ready()
        ready = httpx.get(f"{gateway.url}/readyz")
        created = httpx.post(
            f"{gateway.url}/graphql",
            json={"query": 'mutation { createLocation(name: "Lab") { apiKey } }'},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
        wait_for(lambda: b"saslStart" in worker.log.read_bytes(), "the refusal")
    finally:
        gateway.stop()
        worker.stop()
        broker.stop()
        database.stop()

    assert ready.json()["checks"] == {"mongodb": "up", "broker": "up"}
    assert created.json()["data"]["createLocation"]["apiKey"]
    _assert_no_secret(worker.log.read_text())
    _assert_no_secret(gateway.stderr.read_text() + gateway.stdout.read_text())


def _assert_no_secret(text: str, *more: str) -> None:
    for secret in (MONGODB_PASSWORD, BROKER_PASSWORD, ADMIN_TOKEN, *more):
        assert secret not in text


def test_the_readme_describes_every_setting() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()

    for name in Settings.model_fields:
        assert f"| `{name.upper()}` |" in readme, f"{name.upper()} is not described"


def test_settings_shown_in_a_traceback_or_a_log_hide_their_secrets() -> None:
    settings = Settings(
        _env_file=None,
        mongodb_uri=f"mongodb://operator:{MONGODB_PASSWORD}@db",
        celery_broker_url=f"redis://:{BROKER_PASSWORD}@redis",
        gateway_admin_token=ADMIN_TOKEN,
    )

    _assert_no_secret(f"{settings!r} {settings} {settings.model_dump()}")
