"""docker-compose.yml and the Dockerfile agree with the code and the README:
every variable they pass is a setting the code reads, every command is one
the CLI accepts, and ports and service names are the ones documented.

Docker cannot run here, so the files are read, not run.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.cli import _parser
from gateway.settings import Settings

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
SETTINGS = {name.upper() for name in Settings.model_fields}

GATEWAY_PORT = 8000
WORKER_METRICS_PORT = 9100


def _dockerfile() -> dict[str, list[str]]:
    """The Dockerfile's instructions: each keyword and its arguments."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    instructions: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, arguments = line.strip().partition(" ")
            instructions.setdefault(keyword.upper(), []).append(arguments)
    return instructions


DOCKERFILE = _dockerfile()


def _environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment, written as a mapping or as a list."""
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return dict(item.partition("=")[::2] for item in environment)
    return {name: str(value) for name, value in environment.items()}


def _command(words: list[str]) -> tuple[str, Any]:
    """The CLI's reading of a command line: which subcommand, what arguments."""
    assert words[0] == "outbound-gateway", words
    args = _parser().parse_args(words[1:])
    return args.command, args


def test_the_services_are_the_ones_the_readme_names() -> None:
    assert set(SERVICES) == {"mongodb", "redis", "gateway", "worker"}
    for name in SERVICES:
        assert f"`{name}`" in README, f"the README does not name {name}"


@pytest.mark.parametrize("service", ["gateway", "worker"])
def test_every_variable_compose_passes_is_a_setting(service: str) -> None:
    unknown = set(_environment(SERVICES[service])) - SETTINGS

    assert not unknown, f"{service} passes {unknown}, which no setting reads"


def test_every_variable_the_dockerfile_sets_is_a_setting() -> None:
    names = {
        word.partition("=")[0]
        for arguments in DOCKERFILE.get("ENV", [])
        for word in shlex.split(arguments)
    }

    assert names
    assert names <= SETTINGS


def test_the_image_serves_the_gateway_on_the_documented_port() -> None:
    [cmd] = DOCKERFILE["CMD"]
    command, args = _command(json.loads(cmd))

    assert (command, args.host, args.port) == ("serve", "0.0.0.0", GATEWAY_PORT)
    assert str(GATEWAY_PORT) in DOCKERFILE["EXPOSE"][0].split()


def test_compose_serves_the_gateway_on_the_documented_port() -> None:
    gateway = SERVICES["gateway"]
    command, args = _command(gateway["command"])

    assert (command, args.port) == ("serve", GATEWAY_PORT)
    assert gateway["ports"] == [f"{GATEWAY_PORT}:{GATEWAY_PORT}"]
    assert re.search(rf"`gateway`\s+\(port {GATEWAY_PORT}\)", README)


def test_compose_runs_a_worker_with_its_metrics_on_the_documented_port() -> None:
    worker = SERVICES["worker"]
    command, _ = _command(worker["command"])
    port = _environment(worker)["WORKER_METRICS_PORT"]

    assert command == "worker"
    assert worker["expose"] == [port] == [str(WORKER_METRICS_PORT)]
    assert port in DOCKERFILE["EXPOSE"][0].split()
    assert re.search(rf"`worker`\s+\(metrics on port {port}", README)


def test_both_roles_run_in_production_on_the_same_image() -> None:
    for name in ("gateway", "worker"):
        service = SERVICES[name]
        assert service["build"] == "."
        assert _environment(service)["GATEWAY_ENV"] == "production"
