"""Liveness and readiness, for orchestrators and load balancers."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse

# A dependency that takes longer than this to answer counts as down.
CHECK_TIMEOUT_SECONDS = 3.0


async def healthz(request: Request) -> JSONResponse:
    """The process is up and serving; says nothing of its dependencies."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Whether MongoDB answers, and the broker when one is configured."""
    runtime = request.app.state.runtime
    checks = {"mongodb": _check(runtime.store.ping())}
    broker_check = getattr(runtime.runner, "ping", None)
    if broker_check is not None:
        checks["broker"] = _check(broker_check())

    results = dict(zip(checks, await asyncio.gather(*checks.values()), strict=True))
    ready = all(state == "up" for state in results.values())
    body = {"status": "ready" if ready else "not ready", "checks": results}
    return JSONResponse(body, status_code=200 if ready else 503)


async def _check(probe: object) -> str:
    try:
        await asyncio.wait_for(probe, CHECK_TIMEOUT_SECONDS)  # type: ignore[arg-type]
    except Exception:
        return "down"
    return "up"
