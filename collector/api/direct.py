"""Direct routes: the few routes every endpoint agent calls, answered without FastAPI's
per-request machinery.

A heartbeat is a few hundred bytes; through the whole stack (route matching against every
feature's routes in turn, the dependency solver, the endpoint wrapper, the exit-stack and
exception middlewares) the API spent more on dispatching it than on reading, checking and
storing it. An endpoint marked ``@direct`` takes the Request alone and returns a Response;
it stays an ordinary FastAPI route (the OpenAPI document, the same answers without this
middleware), and ``DirectRoutes`` calls it straight for its exact method and path. An
exception it raises is answered by the app's own exception handlers, as the router would
(HTTPException, MuniopsError, a store error); any other goes on up to the server's 500."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

Endpoint = Callable[[Request], Awaitable[Response]]
E = TypeVar("E", bound=Endpoint)
_MARK = "__muniops_direct__"


def direct(endpoint: E) -> E:
    """Mark an ``async def endpoint(request: Request) -> Response`` to be called directly."""
    setattr(endpoint, _MARK, True)
    return endpoint


def direct_routes(router: APIRouter) -> dict[tuple[str, str], Endpoint]:
    """The marked endpoints of ``router``, by (method, full path)."""
    out: dict[tuple[str, str], Endpoint] = {}
    for route in router.routes:
        if isinstance(route, APIRoute) and getattr(route.endpoint, _MARK, False):
            if route.param_convertors:
                raise TypeError(f"direct route {route.path} has path parameters")
            for method in route.methods or ():
                out[(method, route.path)] = route.endpoint
    return out


class DirectRoutes:
    """Pure ASGI middleware: a request for a direct route goes to its endpoint."""

    def __init__(self, app: ASGIApp, routes: dict[tuple[str, str], Endpoint]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = (self.routes.get((scope["method"], scope["path"]))
                    if scope["type"] == "http" else None)
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await endpoint(request)
        except Exception as exc:
            handler = _handler_for(scope["app"], exc)
            if handler is None:
                raise
            answer = handler(request, exc)
            response = await answer if inspect.isawaitable(answer) else answer
        await response(scope, receive, send)


def _handler_for(app: Any, exc: Exception) -> Callable[..., Any] | None:
    """The app's exception handler for ``exc`` (the nearest class first), as the
    router's exception middleware finds it."""
    handlers: dict[Any, Callable[..., Any]] = getattr(app, "exception_handlers", {})
    for cls in type(exc).__mro__:
        if cls in handlers:
            return handlers[cls]
    return None
