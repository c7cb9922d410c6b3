"""The Starlette application: the GraphQL route, health routes, start-up."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from gateway.auth import Principal, authenticate
from gateway.body_limit import BodyLimitMiddleware
from gateway.error_responses import error_response
from gateway.errors import GatewayError, RateLimited
from gateway.graphql_http import JsonGraphQL
from gateway.health import healthz, readyz
from gateway.metrics import graphql_refused
from gateway.metrics_route import metrics_endpoint
from gateway.rate_limits import RateLimiter, rate_limit_bucket
from gateway.request_id import RequestIdMiddleware
from gateway.runtime import Runtime, build_runtime
from gateway.settings import Settings
from gateway.store import Store
from resolvers.context import Context
from resolvers.schema import build_schema

logger = logging.getLogger(__name__)

# Run once the store is prepared, before the first request is served.
StartupHook = Callable[[Runtime], Awaitable[None]]


class GraphQLView(JsonGraphQL):
    def __init__(self, runtime: Runtime, graphiql: bool) -> None:
        super().__init__(build_schema(), graphql_ide="graphiql" if graphiql else None)
        self.runtime = runtime

    async def get_context(self, request: Request, response: Response) -> Context:  # type: ignore[override]
        return Context(
            runtime=self.runtime,
            request_id=request.state.request_id,
            # Absent only for the GraphiQL page, which runs no operation.
            principal=getattr(request.state, "principal", None),
        )


class AuthenticatedGraphQL:
    """Refuses, with HTTP 401, any operation without a valid key, and with
    HTTP 429 any beyond the key's rate limit, before GraphQL reads it.

    Only the GraphiQL page itself (a GET with no query), when GraphiQL is
    on, is served to anyone, since it holds no data.
    """

    def __init__(
        self,
        runtime: Runtime,
        admin_token: str | None,
        view: GraphQLView,
        rate_limiter: RateLimiter,
    ) -> None:
        self.runtime = runtime
        self.admin_token = admin_token
        self.view = view
        self.rate_limiter = rate_limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        if self.view.graphql_ide and _asks_for_the_page(request):
            await self.view(scope, receive, send)
            return

        authorization = request.headers.get("authorization")
        try:
            principal: Principal = await authenticate(
                self.runtime.store, authorization, self.admin_token
            )
        except GatewayError as error:
            graphql_refused.labels(code=error.code).inc()
            await error_response(error, 401, {"WWW-Authenticate": "Bearer"})(
                scope, receive, send
            )
            return

        try:
            await self.rate_limiter.check(rate_limit_bucket(principal, authorization))
        except RateLimited as error:
            graphql_refused.labels(code=error.code).inc()
            headers = {"Retry-After": str(error.retry_after)}
            await error_response(error, 429, headers)(scope, receive, send)
            return

        scope["state"]["principal"] = principal
        await self.view(scope, receive, send)


def _asks_for_the_page(request: Request) -> bool:
    return request.method == "GET" and "query" not in request.query_params


def create_app(
    settings: Settings,
    *,
    store: Store | None = None,
    admin_token: str | None = None,
    on_startup: Sequence[StartupHook] | None = None,
    rate_limiter: RateLimiter | None = None,
) -> Starlette:
    """The gateway. `store`, `admin_token` and `rate_limiter` override the
    settings' own."""
    runtime = build_runtime(settings, store)
    token = admin_token or _secret(settings.gateway_admin_token)
    view = GraphQLView(runtime, graphiql=settings.graphiql_enabled)
    limiter = rate_limiter or RateLimiter.from_settings(settings)
    startup_hooks = list(on_startup or [])

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await runtime.store.prepare()
        for hook in startup_hooks:
            await hook(runtime)
        sweeper = asyncio.create_task(
            runtime.outbox.sweep_forever(settings.sweep_interval_seconds)
        )
        try:
            yield
        finally:
            sweeper.cancel()
            await runtime.outbox.drain()

    app = Starlette(
        routes=[
            Route(
                "/graphql",
                AuthenticatedGraphQL(runtime, token, view, limiter),
                methods=["GET", "POST"],
            ),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint),
        ],
        middleware=[
            # Outermost first: even a refused body's answer has a request id.
            Middleware(RequestIdMiddleware),
            Middleware(BodyLimitMiddleware, max_bytes=settings.max_request_bytes),
        ],
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    return app


def _secret(value: object) -> str | None:
    return None if value is None else value.get_secret_value()  # type: ignore[attr-defined]
