"""An unexpected error reaches the client as INTERNAL_SERVER_ERROR with the
request id and nothing else; the log has the whole error, once, under the
same id. Faults are injected where a bug could be: in a resolver's read,
and in an extension that runs around the operation."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from resolvers import query_limits
from tests.support.api import Api
from tests.support.tenants import new_tenant

SECRET = "mongodb://admin:hunter2@db.internal/contacts"


def _fail(*_: Any, **__: Any) -> Any:
    raise RuntimeError(f"could not reach {SECRET}")


async def _assert_masked_and_logged_once(
    api: Api, key: str, document: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        response = await api.post(key, document)

    assert response.status_code == 200
    [error] = response.json()["errors"]
    request_id = response.headers["x-request-id"]
    assert error["message"] == "Internal server error."
    assert error["extensions"] == {
        "code": "INTERNAL_SERVER_ERROR",
        "requestId": request_id,
    }
    assert SECRET not in response.text
    assert "RuntimeError" not in response.text

    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(logged) == 1
    assert getattr(logged[0], "request_id", None) == request_id
    assert logged[0].exc_info is not None
    assert SECRET in str(logged[0].exc_info[1])


async def test_a_fault_in_a_resolver_is_masked(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    tenant = await new_tenant(api)
    monkeypatch.setattr(api.runtime.store.users, "list", _fail)

    await _assert_masked_and_logged_once(api, tenant.key, "{ users { id } }", caplog)


async def test_a_fault_in_an_extension_is_masked(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    tenant = await new_tenant(api)
    monkeypatch.setattr(query_limits, "check_token_count", _fail)

    await _assert_masked_and_logged_once(api, tenant.key, "{ location { id } }", caplog)


async def test_a_fault_while_measuring_the_cost_is_masked(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    tenant = await new_tenant(api)
    monkeypatch.setattr(query_limits, "document_cost", _fail)

    await _assert_masked_and_logged_once(api, tenant.key, "{ location { id } }", caplog)
