"""schema.graphql is the schema the code serves, so that every change to
the API shows up in review as a change to that file."""

from __future__ import annotations

import subprocess
from pathlib import Path

from resolvers.schema import build_schema
from tests.support.servers import command_env
from tests.support.workers import cli_path

SCHEMA_FILE = Path(__file__).parent.parent / "schema.graphql"
REGENERATE = "outbound-gateway schema > schema.graphql"


def test_the_committed_schema_is_the_one_the_code_serves() -> None:
    committed = SCHEMA_FILE.read_text()

    assert committed.rstrip("\n") == build_schema().as_str().rstrip("\n"), (
        f"The schema changed: run `{REGENERATE}` and commit the file."
    )


def test_the_schema_command_prints_the_committed_schema(tmp_path: Path) -> None:
    printed = subprocess.run(
        [cli_path(), "schema"],
        env=command_env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert printed.stdout == SCHEMA_FILE.read_text()
